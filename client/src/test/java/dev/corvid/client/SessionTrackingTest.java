package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corvid.client.examples.Person;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Session bookkeeping that needs no request (the store points at a node that is never called). */
class SessionTrackingTest {

    private DocumentStore store;
    private DocumentSession session;

    @BeforeEach
    void open() {
        store = new DocumentStore("127.0.0.1:7001").initialize();
        session = store.openSession();
    }

    @AfterEach
    void close() {
        session.close();
        store.close();
    }

    @Test
    void store_withId_setsIdAndMetadata_withoutARequest() {
        Person p = new Person("Oren");
        session.store(p, "people/7");
        assertEquals("people/7", p.getId());
        assertEquals("people/7", session.advanced().getDocumentId(p));
        ObjectNode metadata = session.advanced().getMetadataFor(p);
        assertEquals("People", metadata.get("@collection").asText());
        assertEquals(Person.class.getName(), metadata.get("@java-type").asText());
        assertEquals("people/7", metadata.get("@id").asText());
        assertFalse(metadata.has("@etag"));
        assertNull(session.advanced().getEtagFor(p));
        assertTrue(session.advanced().hasChanged(p));
        assertTrue(session.advanced().hasChanges());
        assertEquals(0, session.advanced().getNumberOfRequests());
    }

    @Test
    void store_idFromEntityProperty_andSameInstanceTwice_isOneEntry() {
        Person p = new Person("Oren");
        p.setId("people/8");
        session.store(p);
        session.store(p);
        assertEquals("people/8", session.advanced().getDocumentId(p));
        assertEquals(p, session.load(Person.class, "people/8")); // identity map, no request
        assertEquals(0, session.advanced().getNumberOfRequests());
    }

    @Test
    void store_withEtag_recordsTheEtag_forTheCheck() {
        Etag etag = Etag.parse("01000000-0000-0001-0000-00000000002A");
        Person p = new Person("Oren");
        session.store(p, etag, "people/9");
        assertEquals(etag, session.advanced().getEtagFor(p));
        assertEquals(etag.toString(), session.advanced().getMetadataFor(p).get("@etag").asText());
    }

    @Test
    void anotherInstanceWithTheSameId_isRejected() {
        session.store(new Person("a"), "people/1");
        NonUniqueObjectException e = assertThrows(NonUniqueObjectException.class,
                () -> session.store(new Person("b"), "people/1"));
        assertTrue(e.getMessage().contains("people/1"), e.getMessage());
    }

    @Test
    void deleteOfANeverSavedEntity_forgetsIt_andSendsNothing() {
        Person p = new Person("a");
        session.store(p, "people/1");
        session.delete(p);
        assertNull(session.advanced().getDocumentId(p));
        assertFalse(session.advanced().hasChanges());
        assertEquals(0, session.advanced().getNumberOfRequests());
    }

    @Test
    void unknownEntities_areRejected_withAMessageThatSaysWhatToDo() {
        Person stranger = new Person("x");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> session.delete(stranger));
        assertTrue(e.getMessage().contains("not in the session"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> session.advanced().getEtagFor(stranger));
        assertNull(session.advanced().getDocumentId(stranger));
        assertFalse(session.advanced().hasChanged(stranger));
    }

    @Test
    void evictAndClear_forgetEntities() {
        Person a = new Person("a");
        Person b = new Person("b");
        session.store(a, "people/1");
        session.store(b, "people/2");
        session.advanced().evict(a);
        assertNull(session.advanced().getDocumentId(a));
        assertEquals("people/2", session.advanced().getDocumentId(b));
        session.advanced().clear();
        assertFalse(session.advanced().hasChanges());
    }

    @Test
    void closedSession_refusesWork() {
        session.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> session.store(new Person("x")));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }
}
