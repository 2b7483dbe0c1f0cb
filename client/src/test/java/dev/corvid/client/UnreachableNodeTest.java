package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.client.examples.Person;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A node address nobody listens on: every call fails fast with the address in the message. */
class UnreachableNodeTest {

    private static String address;
    private static DocumentStore store;

    @BeforeAll
    static void start() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            address = "127.0.0.1:" + socket.getLocalPort(); // closed again: connections are refused
        }
        store = new DocumentStore(address).initialize();
    }

    @AfterAll
    static void stop() {
        store.close();
    }

    @Test
    void load_fromAddressNobodyListensOn_namesTheAddress() {
        try (DocumentSession session = store.openSession()) {
            NodeUnreachableException e = assertThrows(NodeUnreachableException.class,
                    () -> session.load(Person.class, "people/1"));
            assertEquals(address, e.getAddress());
            assertTrue(e.getMessage().contains(address), e.getMessage());
        }
    }

    @Test
    void saveChanges_andRawCommands_toAddressNobodyListensOn_nameTheAddress() {
        try (DocumentSession session = store.openSession()) {
            session.store(new Person("Ayende"), "people/1");
            NodeUnreachableException e = assertThrows(NodeUnreachableException.class, session::saveChanges);
            assertTrue(e.getMessage().contains(address), e.getMessage());
        }
        NodeUnreachableException e = assertThrows(NodeUnreachableException.class,
                () -> store.getDatabaseCommands().get("people/1"));
        assertTrue(e.getMessage().contains(address), e.getMessage());
    }

    @Test
    void badInput_isRejectedBeforeAnythingIsSent() {
        try (DocumentSession session = store.openSession()) {
            assertThrows(BadRequestException.class, () -> session.load(Person.class, " people/1"));
            assertThrows(BadRequestException.class, () -> session.load(Person.class, (String) null));
            assertThrows(BadRequestException.class, () -> session.load(Person.class, "ok/1", ""));
            assertThrows(BadRequestException.class, () -> session.store(new Person("x"), "bad\u0001id"));
            assertThrows(BadRequestException.class, () -> session.delete("x".repeat(600)));
            assertThrows(BadRequestException.class,
                    () -> session.getDatabaseCommands().put("people/1", Etag.parse("nope"), null, null));
            assertEquals(0, session.advanced().getNumberOfRequests());
        }
    }
}
