package com.example.notes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.corvid.client.DocumentSession;
import dev.corvid.client.DocumentStore;
import dev.corvid.node.CorvidNode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an application's own test does with Corvid from its Maven coordinates alone. */
class NotesTest {

    @TempDir
    Path dir;

    @Test
    void aSessionStoresAndLoads_onANodeStartedInTheTest() {
        try (CorvidNode node = CorvidNode.standalone(dir.resolve("data"));
             DocumentStore store = new DocumentStore(node.address())) {
            store.getConventions().setTopologyCacheDirectory(dir.resolve("topology"));
            store.initialize();
            try (DocumentSession session = store.openSession()) {
                session.store(new Note("buy milk"), "notes/1");
                session.saveChanges();
            }
            try (DocumentSession session = store.openSession()) {
                assertEquals("buy milk", session.load(Note.class, "notes/1").getText());
            }
        }
    }

    @Test
    void corvidBringsNoLoggingBindingOrConfiguration() {
        assertThrows(ClassNotFoundException.class, () -> Class.forName("ch.qos.logback.classic.Logger"));
        assertNull(getClass().getResource("/logback.xml"));
        assertNull(getClass().getResource("/logback-test.xml"));
    }
}
