package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corvid.client.examples.Person;
import dev.corvid.probe.MultiProcess;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Identity map, change tracking, atomic batches, metadata, refresh and the request budget. */
@MultiProcess
class SessionBehaviourTest {

    @RegisterExtension
    static final RealNode NODE = new RealNode();

    private static final AtomicInteger SEQUENCE = new AtomicInteger();

    private final DocumentStore store = NODE.store();

    private static String newId() {
        return "people/session-" + SEQUENCE.incrementAndGet();
    }

    private String saved(String name) {
        String id = newId();
        try (DocumentSession session = store.openSession()) {
            session.store(new Person(name, 40), id);
            session.saveChanges();
        }
        return id;
    }

    @Test
    void load_twice_returnsTheSameInstance_withOneRequest() {
        String id = saved("Oren");
        try (DocumentSession session = store.openSession()) {
            Person first = session.load(Person.class, id);
            Person second = session.load(Person.class, id);
            assertSame(first, second);
            assertEquals(id, first.getId());
            assertEquals("Oren", first.getName());
            assertEquals(1, session.advanced().getNumberOfRequests());
        }
    }

    @Test
    void load_missing_isNull_andRemembered() {
        try (DocumentSession session = store.openSession()) {
            assertNull(session.load(Person.class, "people/never-stored"));
            assertNull(session.load(Person.class, "people/never-stored"));
            assertEquals(1, session.advanced().getNumberOfRequests());
        }
    }

    @Test
    void load_severalIds_isOneRequest_inOrder_withNullsForMissing() {
        String a = saved("a");
        String b = saved("b");
        try (DocumentSession session = store.openSession()) {
            Person already = session.load(Person.class, b);
            List<Person> people = session.load(Person.class, a, "people/missing-one", b);
            assertEquals("a", people.get(0).getName());
            assertNull(people.get(1));
            assertSame(already, people.get(2));
            assertEquals(2, session.advanced().getNumberOfRequests());
            assertEquals(people, session.load(Person.class, Arrays.asList(a, "people/missing-one", b)));
            assertEquals(2, session.advanced().getNumberOfRequests(), "everything is known now");
        }
    }

    @Test
    void saveChanges_withNothingChanged_sendsNothing() {
        String id = saved("unchanged");
        long writesBefore = NODE.stats().getWritesServed();
        try (DocumentSession session = store.openSession()) {
            Person p = session.load(Person.class, id);
            assertFalse(session.advanced().hasChanged(p));
            assertFalse(session.advanced().hasChanges());
            session.saveChanges();
            session.saveChanges();
            assertEquals(1, session.advanced().getNumberOfRequests(), "only the load");
        }
        assertEquals(writesBefore, NODE.stats().getWritesServed());
    }

    @Test
    void saveChanges_sendsOnlyChangedDocuments_andEveryEntityKnowsItsNewEtag() {
        String changedId = saved("before");
        String untouchedId = saved("untouched");
        try (DocumentSession session = store.openSession()) {
            Person changed = session.load(Person.class, changedId);
            Person untouched = session.load(Person.class, untouchedId);
            Etag changedBefore = session.advanced().getEtagFor(changed);
            Etag untouchedBefore = session.advanced().getEtagFor(untouched);
            changed.setName("after");
            Person added = new Person("added");
            session.store(added, newId());
            assertTrue(session.advanced().hasChanged(changed));
            assertFalse(session.advanced().hasChanged(untouched));

            session.saveChanges();

            assertEquals(3, session.advanced().getNumberOfRequests(), "two loads and one batch");
            Etag changedAfter = session.advanced().getEtagFor(changed);
            assertNotEquals(changedBefore, changedAfter);
            assertEquals(untouchedBefore, session.advanced().getEtagFor(untouched), "not sent, not restamped");
            assertEquals(changedAfter, store.getDatabaseCommands().get(changedId).getEtag());
            assertEquals(store.getDatabaseCommands().get(added.getId()).getEtag(), session.advanced().getEtagFor(added));
            assertEquals(changedAfter.toString(), session.advanced().getMetadataFor(changed).get("@etag").asText());
            assertFalse(session.advanced().hasChanges());
        }
    }

    @Test
    void batch_withOneStaleEtag_changesNothing_andTheSessionStaysUsable() {
        String a = saved("a");
        String b = saved("b");
        try (DocumentSession session = store.openSession()) {
            session.advanced().setUseOptimisticConcurrency(true);
            Person pa = session.load(Person.class, a);
            Person pb = session.load(Person.class, b);
            String created = newId();
            session.store(new Person("c"), created);
            pa.setName("a2");
            pb.setName("b2");
            try (DocumentSession other = store.openSession()) {
                other.load(Person.class, b).setAge(99);
                other.saveChanges();
            }

            ConcurrencyException e = assertThrows(ConcurrencyException.class, session::saveChanges);
            assertEquals(b, e.getDocumentId());
            assertEquals("a", store.getDatabaseCommands().get(a).getBody().get("name").asText());
            assertNull(store.getDatabaseCommands().get(created));
            assertTrue(session.advanced().hasChanges(), "the session still holds its changes");

            session.advanced().refresh(pb); // take the other user's version, then redo the change
            assertEquals(99, pb.getAge());
            assertEquals("b", pb.getName());
            pb.setName("b2");
            session.saveChanges();
        }
        try (DocumentSession check = store.openSession()) {
            List<Person> people = check.load(Person.class, a, b);
            assertEquals("a2", people.get(0).getName());
            assertEquals("b2", people.get(1).getName());
            assertEquals(99, people.get(1).getAge());
        }
    }

    @Test
    void storedDocument_hasCollectionAndJavaType_butNoClientSideKeysNorIgnoredProperties() {
        String id = newId();
        try (DocumentSession session = store.openSession()) {
            Person p = new Person("Ayende");
            p.setEtag(Etag.parse("01000000-0000-0001-0000-00000000002A")); // @JsonIgnore: never stored
            session.store(p, id);
            session.saveChanges();
        }
        JsonDocument raw = store.getDatabaseCommands().get(id);
        ObjectNode body = raw.getBody();
        assertEquals("Ayende", body.get("name").asText());
        assertFalse(body.has("etag"), body.toString());
        assertFalse(body.has("id"), "the id is the key, not part of the body: " + body);
        ObjectNode metadata = raw.getMetadata();
        assertEquals("People", metadata.get("@collection").asText());
        assertEquals(Person.class.getName(), metadata.get("@java-type").asText());
        assertEquals(raw.getEtag().toString(), metadata.get("@etag").asText());
        assertEquals(id, metadata.get("@id").asText());
    }

    @Test
    void metadataFor_aLoadedEntity_holdsEtagIdAndCollection_andEditsAreSaved() {
        String id = saved("meta");
        try (DocumentSession session = store.openSession()) {
            Person p = session.load(Person.class, id);
            ObjectNode metadata = session.advanced().getMetadataFor(p);
            assertEquals(id, metadata.get("@id").asText());
            assertEquals("People", metadata.get("@collection").asText());
            assertEquals(session.advanced().getEtagFor(p).toString(), metadata.get("@etag").asText());
            metadata.put("reviewed-by", "oren");
            assertTrue(session.advanced().hasChanged(p), "a metadata edit is a change");
            session.saveChanges();
        }
        assertEquals("oren", store.getDatabaseCommands().get(id).getMetadata().get("reviewed-by").asText());
    }

    @Test
    void evict_makesTheNextLoadFetchAgain() {
        String id = saved("evicted");
        try (DocumentSession session = store.openSession()) {
            Person first = session.load(Person.class, id);
            first.setName("local change, dropped");
            session.advanced().evict(first);
            Person second = session.load(Person.class, id);
            assertNotEquals(first, second);
            assertEquals("evicted", second.getName());
            session.saveChanges();
            assertEquals(2, session.advanced().getNumberOfRequests());
        }
    }

    @Test
    void closedSession_itsCommandsStopToo() {
        DocumentSession session = store.openSession();
        DatabaseCommands commands = session.getDatabaseCommands();
        session.close();
        assertThrows(IllegalStateException.class, () -> commands.get("people/any"));
    }

    @Test
    void requestBudget_exceeded_saysWhichConventionToRaise() {
        DocumentStore small = NODE.store(s -> s.getConventions().setMaxNumberOfRequestsPerSession(2));
        try (DocumentSession session = small.openSession()) {
            session.load(Person.class, "people/budget-1");
            session.load(Person.class, "people/budget-2");
            MaxRequestsExceededException e = assertThrows(MaxRequestsExceededException.class,
                    () -> session.load(Person.class, "people/budget-3"));
            assertTrue(e.getMessage().contains("(2)"), e.getMessage());
            assertTrue(e.getMessage().contains("setMaxNumberOfRequestsPerSession"), e.getMessage());
        }
        try (DocumentSession session = store.openSession()) {
            for (int i = 0; i < 30; i++) {
                session.load(Person.class, "people/budget-loop-" + i);
            }
            assertThrows(MaxRequestsExceededException.class, () -> session.load(Person.class, "people/budget-31"));
        }
    }

    @Test
    void badIdFromTheNodeSide_isABadRequestWithTheNodesMessage() {
        // Within the client's rules but the node's JSON check fails: a body must be an object.
        // Everything the client can check, it checks first; this covers the INVALID_ARGUMENT mapping.
        ObjectNode metadata = store.getConventions().getObjectMapper().createObjectNode();
        metadata.put("@collection", "x".repeat(200)); // collection names are limited to 128 on the node
        ObjectNode body = store.getConventions().getObjectMapper().createObjectNode().put("a", 1);
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> store.getDatabaseCommands().put(newId(), null, body, metadata));
        assertTrue(e.getMessage().contains(NODE.address()), e.getMessage());
    }
}
