package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corvid.client.examples.Person;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The transport modes: how a store's calls travel, chosen by convention or system property, with the same results. */
class TransportModeTest {

    @RegisterExtension
    static final RealNode NODE = new RealNode();

    private static ObjectNode body(String name) {
        return JsonNodeFactory.instance.objectNode().put("name", name);
    }

    @Test
    void theDefaultIsExchange_unlessTheSystemPropertyNamesAnother() {
        assertEquals(TransportMode.EXCHANGE, withProperty(null, () -> new Conventions().getTransportMode()));
        assertEquals(TransportMode.UNARY, withProperty("unary", () -> new Conventions().getTransportMode()));
        assertEquals(TransportMode.EXCHANGE, withProperty(" Exchange ", () -> new Conventions().getTransportMode()));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> withProperty("carrier-pigeon", () -> new DocumentStore("127.0.0.1:7001")));
        assertTrue(bad.getMessage().contains("corvid.client.transport") && bad.getMessage().contains("exchange or unary"),
                bad.getMessage());
    }

    @Test
    void transportMode_isAConventionThatFreezes() {
        try (DocumentStore store = new DocumentStore("127.0.0.1:7001")) {
            store.getConventions().setTransportMode(TransportMode.UNARY);
            assertEquals(TransportMode.UNARY, store.getConventions().getTransportMode());
            assertThrows(IllegalArgumentException.class, () -> store.getConventions().setTransportMode(null));
            store.initialize();
            assertThrows(IllegalStateException.class, () -> store.getConventions().setTransportMode(TransportMode.EXCHANGE));
        }
    }

    @Test
    void everyCall_givesTheSameResults_inBothModes() {
        for (TransportMode mode : TransportMode.values()) {
            DocumentStore store = NODE.store(s -> s.getConventions().setTransportMode(mode));
            DatabaseCommands commands = store.getDatabaseCommands();
            String id = "modes/" + mode;
            Etag first = commands.put(id, Etag.EMPTY, body("one"), null);
            assertEquals(first, commands.get(id).getEtag(), mode.toString());
            ConcurrencyException exists = assertThrows(ConcurrencyException.class,
                    () -> commands.put(id, Etag.EMPTY, body("again"), null), mode.toString());
            assertEquals(first, exists.getActualEtag());
            ConcurrencyException stale = assertThrows(ConcurrencyException.class,
                    () -> commands.delete(id, Etag.EMPTY), mode.toString());
            assertEquals(first, stale.getActualEtag());
            commands.delete(id, first);
            assertNull(commands.get(id), mode.toString());

            String name = "Ada " + mode;
            try (DocumentSession session = store.openSession()) {
                session.store(new Person(name));
                session.saveChanges();
            }
            try (DocumentSession session = store.openSession()) {
                List<Person> found = session.query(Person.class).whereEquals("name", name).toList();
                assertEquals(1, found.size(), mode.toString());
            }
        }
    }

    /** Runs {@code action} with the transport system property set to {@code value} (null: unset), then restores it. */
    private static <T> T withProperty(String value, Supplier<T> action) {
        String before = System.getProperty(TransportMode.PROPERTY);
        try {
            if (value == null) {
                System.clearProperty(TransportMode.PROPERTY);
            } else {
                System.setProperty(TransportMode.PROPERTY, value);
            }
            return action.get();
        } finally {
            if (before == null) {
                System.clearProperty(TransportMode.PROPERTY);
            } else {
                System.setProperty(TransportMode.PROPERTY, before);
            }
        }
    }
}
