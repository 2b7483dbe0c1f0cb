package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corvid.client.examples.Person;
import dev.corvid.probe.MultiProcess;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every store and delete overload against the concurrency rules of DESIGN.md, on a real node. */
@MultiProcess
class StoreAndDeleteRulesTest {

    @RegisterExtension
    static final RealNode NODE = new RealNode();

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final DocumentStore store = NODE.store();

    /** A fresh id, so tests sharing the node never touch each other's documents. */
    private static String newId() {
        return "people/rules-" + SEQUENCE.incrementAndGet();
    }

    /** Writes a document behind the session's back and returns its etag. */
    private Etag writeRaw(String id, String name) {
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("name", name);
        ObjectNode metadata = JsonNodeFactory.instance.objectNode().put("@collection", "People");
        return store.getDatabaseCommands().put(id, null, body, metadata);
    }

    private String nameOf(String id) {
        JsonDocument document = store.getDatabaseCommands().get(id);
        return document == null ? null : document.getBody().get("name").asText();
    }

    @Test
    void storeWithId_optimisticConcurrencyOff_overwritesAnExistingDocument() {
        String id = newId();
        writeRaw(id, "existing");
        try (DocumentSession session = store.openSession()) {
            session.store(new Person("new"), id);
            session.saveChanges();
        }
        assertEquals("new", nameOf(id));
    }

    @Test
    void storeWithId_optimisticConcurrencyOn_isSentWithEmptyEtag_andFailsWhenItExists() {
        String id = newId();
        Etag existing = writeRaw(id, "existing");
        try (DocumentSession session = store.openSession()) {
            session.advanced().setUseOptimisticConcurrency(true);
            session.store(new Person("new"), id);
            ConcurrencyException e = assertThrows(ConcurrencyException.class, session::saveChanges);
            assertEquals(Etag.EMPTY, e.getExpectedEtag());
            assertEquals(existing, e.getActualEtag());
        }
        assertEquals("existing", nameOf(id));
    }

    @Test
    void storeWithIdProperty_behavesLikeStoreWithId() {
        String id = newId();
        try (DocumentSession session = store.openSession()) {
            Person p = new Person("from property");
            p.setId(id);
            session.store(p);
            session.saveChanges();
            assertNotNull(session.advanced().getEtagFor(p));
        }
        assertEquals("from property", nameOf(id));
    }

    @Test
    void storeWithoutId_generatesPeopleId_andNeverOverwrites_evenWithConcurrencyOff() {
        try (DocumentSession session = store.openSession()) {
            Person p = new Person("generated");
            session.store(p);
            String id = p.getId();
            assertTrue(id.matches("people/\\d+"), id);
            assertEquals(id, session.advanced().getDocumentId(p));

            writeRaw(id, "squatter"); // someone else took the id behind the client's back
            ConcurrencyException e = assertThrows(ConcurrencyException.class, session::saveChanges);
            assertEquals(id, e.getDocumentId());
            assertEquals(Etag.EMPTY, e.getExpectedEtag());
            assertEquals("squatter", nameOf(id));
        }
    }

    @Test
    void storeWithEtag_forcesTheCheck_evenWithConcurrencyOff() {
        String id = newId();
        Etag first = writeRaw(id, "v1");
        Etag second = writeRaw(id, "v2");
        try (DocumentSession session = store.openSession()) {
            Person p = new Person("stale write");
            p.setId(id);
            session.store(p, first);
            ConcurrencyException e = assertThrows(ConcurrencyException.class, session::saveChanges);
            assertEquals(first, e.getExpectedEtag());
            assertEquals(second, e.getActualEtag());
        }
        assertEquals("v2", nameOf(id));
    }

    @Test
    void storeWithCurrentEtag_saves_andTheEntityKnowsTheNewEtag() {
        String id = newId();
        Etag current = writeRaw(id, "v1");
        try (DocumentSession session = store.openSession()) {
            Person p = new Person("v2");
            session.store(p, current, id);
            session.saveChanges();
            Etag saved = session.advanced().getEtagFor(p);
            assertNotEquals(current, saved);
            assertEquals(saved, store.getDatabaseCommands().get(id).getEtag());
            // the forced check stays on, now with the new etag: a second save in the session works
            p.setName("v3");
            session.saveChanges();
        }
        assertEquals("v3", nameOf(id));
    }

    @Test
    void storeWithNullEtag_meansNoCheck() {
        String id = newId();
        writeRaw(id, "v1");
        try (DocumentSession session = store.openSession()) {
            session.store(new Person("v2"), (Etag) null, id);
            session.saveChanges();
        }
        assertEquals("v2", nameOf(id));
    }

    @Test
    void storeWithEmptyEtag_createsOnlyWhenMissing() {
        String id = newId();
        try (DocumentSession session = store.openSession()) {
            session.store(new Person("created"), Etag.EMPTY, id);
            session.saveChanges();
        }
        try (DocumentSession session = store.openSession()) {
            session.store(new Person("again"), Etag.EMPTY, id);
            assertThrows(ConcurrencyException.class, session::saveChanges);
        }
        assertEquals("created", nameOf(id));
    }

    @Test
    void storeWithEtag_onALoadedEntity_replacesItsEtag_forTheCheck() {
        String id = newId();
        Etag first = writeRaw(id, "v1");
        try (DocumentSession session = store.openSession()) {
            Person p = session.load(Person.class, id);
            writeRaw(id, "v2");
            p.setName("mine");
            session.store(p, first); // the etag the app got earlier, not the one just loaded
            assertThrows(ConcurrencyException.class, session::saveChanges);
        }
    }

    @Test
    void loadedEntity_optimisticConcurrencyOff_lastWriteWins() {
        String id = newId();
        writeRaw(id, "v1");
        try (DocumentSession session = store.openSession()) {
            Person p = session.load(Person.class, id);
            writeRaw(id, "v2");
            p.setName("mine");
            session.saveChanges();
        }
        assertEquals("mine", nameOf(id));
    }

    @Test
    void deleteEntity_optimisticConcurrencyOn_isCheckedWithTheLoadedEtag() {
        String id = newId();
        writeRaw(id, "v1");
        try (DocumentSession session = store.openSession()) {
            session.advanced().setUseOptimisticConcurrency(true);
            Person p = session.load(Person.class, id);
            Etag loaded = session.advanced().getEtagFor(p);
            Etag changed = writeRaw(id, "v2");
            session.delete(p);
            ConcurrencyException e = assertThrows(ConcurrencyException.class, session::saveChanges);
            assertTrue(e.getMessage().startsWith("DELETE attempted on document '" + id + "'"), e.getMessage());
            assertEquals(loaded, e.getExpectedEtag());
            assertEquals(changed, e.getActualEtag());
        }
        assertEquals("v2", nameOf(id));
    }

    @Test
    void deleteEntity_optimisticConcurrencyOff_deletesWhateverTheVersion() {
        String id = newId();
        writeRaw(id, "v1");
        try (DocumentSession session = store.openSession()) {
            Person p = session.load(Person.class, id);
            writeRaw(id, "v2");
            session.delete(p);
            assertNull(session.load(Person.class, id), "a pending delete hides the document");
            session.saveChanges();
            assertNull(session.load(Person.class, id));
        }
        assertNull(nameOf(id));
    }

    @Test
    void deleteById_ofAnUntrackedDocument_deletesWithoutCheck() {
        String id = newId();
        writeRaw(id, "v1");
        try (DocumentSession session = store.openSession()) {
            session.advanced().setUseOptimisticConcurrency(true);
            session.delete(id);
            session.saveChanges();
        }
        assertNull(nameOf(id));
    }

    @Test
    void deleteById_ofATrackedDocument_usesItsEtag() {
        String id = newId();
        writeRaw(id, "v1");
        try (DocumentSession session = store.openSession()) {
            session.advanced().setUseOptimisticConcurrency(true);
            session.load(Person.class, id);
            writeRaw(id, "v2");
            session.delete(id);
            assertThrows(ConcurrencyException.class, session::saveChanges);
        }
        assertEquals("v2", nameOf(id));
    }

    @Test
    void deleteById_ofAMissingDocument_isANoOp() {
        try (DocumentSession session = store.openSession()) {
            session.delete(newId());
            session.saveChanges();
        }
    }

    @Test
    void storeAfterDelete_ofAMissingDocument_createsIt_overTheTombstone() {
        String id = newId();
        writeRaw(id, "v1");
        store.getDatabaseCommands().delete(id, null);
        try (DocumentSession session = store.openSession()) {
            session.advanced().setUseOptimisticConcurrency(true);
            session.store(new Person("reborn"), id); // Etag.EMPTY over a tombstone succeeds
            session.saveChanges();
        }
        assertEquals("reborn", nameOf(id));
    }
}
