package dev.corvid.client;

import static dev.corvid.client.FakeConflictNode.deletedVersion;
import static dev.corvid.client.FakeConflictNode.etag;
import static dev.corvid.client.FakeConflictNode.version;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corvid.client.examples.Person;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.DeleteRequest;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Documents in conflict as a client meets them, on an in-process node that serves holders and
 * checks etags: {@link ConflictException} when nothing resolves them, listener resolutions saved
 * with the conflict's etag, the order listeners are asked in, and the one re-read after a save
 * that found the conflict changed.
 */
class ConflictListenerTest {

    private static final Etag A_ETAG = etag(0x2A);
    private static final Etag B_ETAG = etag(0x07);

    private FakeConflictNode node;
    private final List<DocumentStore> stores = new ArrayList<>();

    @BeforeEach
    void start() throws IOException {
        node = new FakeConflictNode();
    }

    @AfterEach
    void stop() {
        stores.forEach(DocumentStore::close);
        node.close();
    }

    private DocumentStore store(Consumer<DocumentStore> setup) {
        DocumentStore store = node.store(setup);
        stores.add(store);
        return store;
    }

    private DocumentStore store(DocumentConflictListener... listeners) {
        return store(s -> {
            for (DocumentConflictListener l : listeners) {
                s.registerListener(l);
            }
        });
    }

    /** people/1 in conflict: A's "Oren" (the master's) and B's "Ayende". */
    private Etag holder() {
        return node.putHolder("people/1", version("A", A_ETAG, "Oren"), version("B", B_ETAG, "Ayende"));
    }

    /** Keeps the version of node B. */
    private static ConflictResolution keepB(String id, List<ConflictedVersion> versions) {
        ConflictedVersion b = versions.stream().filter(v -> v.getNodeName().equals("B")).findFirst().orElseThrow();
        return ConflictResolution.put(b.getBody(), b.getMetadata());
    }

    @Test
    void load_withoutListener_throwsConflictException_withIdEtagAndVersions() {
        Etag conflictEtag = holder();
        try (DocumentSession session = store().openSession()) {
            ConflictException e = assertThrows(ConflictException.class, () -> session.load(Person.class, "people/1"));
            assertEquals("people/1", e.getDocumentId());
            assertEquals(conflictEtag, e.getEtag());
            assertEquals(2, e.getVersions().size());
            ConflictedVersion a = e.getVersions().get(0);
            assertEquals("A", a.getNodeName());
            assertEquals(A_ETAG, a.getEtag());
            assertFalse(a.isDeleted());
            assertEquals("Oren", a.getBody().path("name").asText());
            assertEquals("People", a.getMetadata().path("@collection").asText());
            assertEquals("2026-12-02T03:04:05.678Z", a.getLastModified());
            assertEquals("B", e.getVersions().get(1).getNodeName());
            assertEquals(B_ETAG, e.getVersions().get(1).getEtag());
            assertEquals("Ayende", e.getVersions().get(1).getBody().path("name").asText());
            assertTrue(e.getMessage().contains("'people/1'"), e.getMessage());
            assertTrue(e.getMessage().contains(conflictEtag.toString()), e.getMessage());
            assertEquals(List.of(), node.writes());
        }
    }

    @Test
    void getRaw_resolvesAConflictAsGetDoes_andReturnsTheSavedResolutionAsJson() {
        holder();
        DocumentStore unresolved = store();
        assertThrows(ConflictException.class, () -> unresolved.getDatabaseCommands().getRaw("people/1"));
        assertEquals(List.of(), node.writes());
        RawJsonDocument resolved = store(ConflictListenerTest::keepB).getDatabaseCommands().getRaw("people/1");
        assertEquals("Ayende", Jsons.object(resolved.getBodyString()).path("name").asText());
        assertFalse(Jsons.object(resolved.getMetadataString()).has("@conflict"), resolved.getMetadataString());
        assertEquals(Etag.fromWire(node.document("people/1").getEtag()), resolved.getEtag());
    }

    @Test
    void load_withoutListener_leavesTheSessionUnchanged_soTheAdvisedStoreWithTheConflictEtagResolvesIt() {
        Etag conflictEtag = holder();
        try (DocumentSession session = store().openSession()) {
            ConflictException e = assertThrows(ConflictException.class, () -> session.load(Person.class, "people/1"));
            assertFalse(session.advanced().hasChanges());
            // not remembered as missing or loaded: a second load asks the node again
            assertThrows(ConflictException.class, () -> session.load(Person.class, "people/1"));
            assertEquals(2, node.received(GetRequest.class).size());
            // nothing tracks people/1, so a resolution can be stored under that id
            session.store(new Person("Merged"), e.getEtag(), "people/1");
            session.saveChanges();
        }
        PutCommand put = node.received(BatchRequest.class).get(0).getCommands(0).getPut();
        assertEquals(Etag.toWire(conflictEtag), put.getExpectedEtag());
        assertFalse(Jsons.object(put.getMetadataJson().toStringUtf8()).has("@conflict"));
        assertFalse(Jsons.object(node.document("people/1").getMetadataJson().toStringUtf8()).has("@conflict"));
    }

    @Test
    void load_listenerPuts_sendsPutWithTheConflictEtag_withoutConflictKeys_andReturnsTheResolvedEntity() {
        Etag conflictEtag = holder();
        DocumentStore store = store((id, versions) -> {
            ObjectNode metadata = keepB(id, versions).metadata().deepCopy();
            metadata.put("@conflict", true); // as if copied from the holder: must not be stored
            metadata.putArray("@conflicts");
            metadata.put("@etag", conflictEtag.toString());
            return ConflictResolution.put(versions.get(1).getBody(), metadata);
        });
        try (DocumentSession session = store.openSession()) {
            Person person = session.load(Person.class, "people/1");
            assertEquals("Ayende", person.getName());
            assertEquals("people/1", person.getId());

            List<PutRequest> puts = node.received(PutRequest.class);
            assertEquals(1, puts.size());
            PutCommand put = puts.get(0).getPut();
            assertEquals("people/1", put.getId());
            assertEquals(Etag.toWire(conflictEtag), put.getExpectedEtag());
            ObjectNode sent = Jsons.object(put.getMetadataJson().toStringUtf8());
            assertFalse(sent.has("@conflict"), sent::toString);
            assertFalse(sent.has("@conflicts"), sent::toString);
            assertFalse(sent.has("@etag"), sent::toString);
            assertEquals("People", sent.path("@collection").asText());
            assertEquals("Ayende", Jsons.object(put.getBodyJson().toStringUtf8()).path("name").asText());

            // the session tracks the resolved version with the etag the put got
            Etag saved = Etag.fromWire(node.document("people/1").getEtag());
            assertEquals(saved, session.advanced().getEtagFor(person));
            assertFalse(session.advanced().getMetadataFor(person).has("@conflict"));
            assertEquals(2, session.advanced().getNumberOfRequests()); // the get and the resolution
            assertEquals(person, session.load(Person.class, "people/1"));
            assertEquals(2, session.advanced().getNumberOfRequests());
            assertFalse(session.advanced().hasChanges());
        }
    }

    @Test
    void load_listenerDeletes_sendsDeleteWithTheConflictEtag_andReturnsNull() {
        Etag conflictEtag = node.putHolder("people/1", version("A", A_ETAG, "Oren"), deletedVersion("B", B_ETAG));
        DocumentStore store = store((id, versions) -> ConflictResolution.delete());
        try (DocumentSession session = store.openSession()) {
            assertNull(session.load(Person.class, "people/1"));
            List<DeleteRequest> deletes = node.received(DeleteRequest.class);
            assertEquals(1, deletes.size());
            assertEquals("people/1", deletes.get(0).getDelete().getId());
            assertEquals(Etag.toWire(conflictEtag), deletes.get(0).getDelete().getExpectedEtag());
            assertNull(session.load(Person.class, "people/1")); // known missing now: no request
            assertEquals(2, session.advanced().getNumberOfRequests());
        }
        assertEquals(List.of(), node.ids());
    }

    @Test
    void listenerReturningNull_passesToTheNextListener_inRegistrationOrder() {
        holder();
        List<String> asked = new ArrayList<>();
        DocumentStore store = store(
                (id, versions) -> {
                    asked.add("first " + id + " " + versions.size());
                    return null;
                },
                (id, versions) -> {
                    asked.add("second " + id + " " + versions.size());
                    return keepB(id, versions);
                },
                (id, versions) -> {
                    asked.add("third");
                    return ConflictResolution.delete();
                });
        try (DocumentSession session = store.openSession()) {
            assertEquals("Ayende", session.load(Person.class, "people/1").getName());
        }
        assertEquals(List.of("first people/1 2", "second people/1 2"), asked);
        assertEquals(1, node.writes().size());
    }

    @Test
    void everyListenerReturningNull_throwsConflictException_andSavesNothing() {
        holder();
        DocumentStore store = store((id, versions) -> null, (id, versions) -> null);
        try (DocumentSession session = store.openSession()) {
            assertThrows(ConflictException.class, () -> session.load(Person.class, "people/1"));
        }
        assertEquals(List.of(), node.writes());
    }

    @Test
    void failedResolutionSave_rereadsOnce_andResolvesTheChangedConflict() {
        holder();
        List<Etag> seen = new ArrayList<>();
        DocumentStore store = store((id, versions) -> {
            seen.add(versions.get(versions.size() - 1).getEtag());
            return keepB(id, versions);
        });
        Etag[] newer = new Etag[1];
        // another version joins the conflict between the client's read and its save
        node.beforeNextWrite(() -> newer[0] = node.putHolder("people/1", version("A", A_ETAG, "Oren"),
                version("B", B_ETAG, "Ayende"), version("C", etag(0x99), "Bob")));
        try (DocumentSession session = store.openSession()) {
            Person person = session.load(Person.class, "people/1");
            assertEquals("Ayende", person.getName());
            assertEquals(4, session.advanced().getNumberOfRequests()); // get, put, re-read, put
        }
        assertEquals(List.of(B_ETAG, etag(0x99)), seen);
        List<PutRequest> puts = node.received(PutRequest.class);
        assertEquals(2, puts.size());
        assertEquals(Etag.toWire(newer[0]), puts.get(1).getPut().getExpectedEtag());
        assertEquals(2, node.received(GetRequest.class).size());
    }

    @Test
    void failedResolutionSave_whenSomeoneResolvedItMeanwhile_returnsTheirDocument() {
        holder();
        int[] asked = new int[1];
        DocumentStore store = store((id, versions) -> {
            asked[0]++;
            return keepB(id, versions);
        });
        node.beforeNextWrite(() -> node.putPerson("people/1", "Resolved elsewhere"));
        try (DocumentSession session = store.openSession()) {
            assertEquals("Resolved elsewhere", session.load(Person.class, "people/1").getName());
        }
        assertEquals(1, asked[0]);
        assertEquals(1, node.received(PutRequest.class).size());
    }

    @Test
    void resolutionSaveFailingTwice_throwsTheConcurrencyException_andTheSessionTracksNothing() {
        holder();
        DocumentStore store = store(ConflictListenerTest::keepB);
        node.beforeNextWrite(() -> {
            holder();
            node.beforeNextWrite(this::holder); // and again before the second save
        });
        try (DocumentSession session = store.openSession()) {
            ConcurrencyException e = assertThrows(ConcurrencyException.class,
                    () -> session.load(Person.class, "people/1"));
            assertEquals("people/1", e.getDocumentId());
            assertEquals(1, e.getSuppressed().length);
            assertInstanceOf(ConcurrencyException.class, e.getSuppressed()[0]);
            assertFalse(session.advanced().hasChanges());
        }
        assertEquals(2, node.received(PutRequest.class).size());
    }

    @Test
    void query_resolvesHolders_andLeavesOutOneResolvedByADelete() {
        node.putPerson("people/0", "Plain");
        holder();
        node.putHolder("people/2", version("A", A_ETAG, "Gone"), deletedVersion("B", B_ETAG));
        DocumentStore store = store((id, versions) -> versions.stream().anyMatch(ConflictedVersion::isDeleted)
                ? ConflictResolution.delete() : keepB(id, versions));
        try (DocumentSession session = store.openSession()) {
            List<Person> people = session.query(Person.class).toList();
            assertEquals(List.of("Plain", "Ayende"), people.stream().map(Person::getName).toList());
            assertEquals(List.of("people/0", "people/1"), people.stream().map(Person::getId).toList());
            assertNull(session.load(Person.class, "people/2")); // deleted and not tracked: asked again, gone
        }
        assertEquals(1, node.received(PutRequest.class).size());
        assertEquals(1, node.received(DeleteRequest.class).size());
        assertEquals(List.of("people/0", "people/1"), node.ids());
    }

    @Test
    void query_withoutListener_throwsConflictException_andTracksNothing() {
        node.putPerson("people/0", "Plain");
        holder();
        try (DocumentSession session = store().openSession()) {
            ConflictException e = assertThrows(ConflictException.class, () -> session.query(Person.class).toList());
            assertEquals("people/1", e.getDocumentId());
            Person plain = session.load(Person.class, "people/0"); // not tracked by the failed query: fetched
            assertNotNull(plain);
            assertEquals(2, session.advanced().getNumberOfRequests());
        }
    }

    @Test
    void getOfMany_decidesEveryHolderBeforeSavingAny() {
        holder();
        node.putHolder("people/2", version("A", A_ETAG, "x"), version("B", B_ETAG, "y"));
        DocumentStore store = store((id, versions) -> id.equals("people/1") ? keepB(id, versions) : null);
        ConflictException e = assertThrows(ConflictException.class,
                () -> store.getDatabaseCommands().get(List.of("people/1", "missing/1", "people/2")));
        assertEquals("people/2", e.getDocumentId());
        assertEquals(List.of(), node.writes());
    }

    @Test
    void getOfMany_keepsOrderAndMissing_withTheResolvedDocumentsInPlace() {
        node.putPerson("people/0", "Plain");
        Etag conflictEtag = holder();
        DocumentStore store = store(ConflictListenerTest::keepB);
        List<JsonDocument> documents = store.getDatabaseCommands()
                .get(List.of("people/1", "missing/1", "people/0", "people/1"));
        assertEquals(4, documents.size());
        assertEquals("Ayende", documents.get(0).getBody().path("name").asText());
        assertNull(documents.get(1));
        assertEquals("Plain", documents.get(2).getBody().path("name").asText());
        assertEquals("Ayende", documents.get(3).getBody().path("name").asText());
        JsonDocument resolved = documents.get(0);
        assertFalse(resolved.getEtag().equals(conflictEtag));
        assertEquals(resolved.getEtag().toString(), resolved.getMetadata().path("@etag").asText());
        assertEquals("people/1", resolved.getMetadata().path("@id").asText());
        assertEquals(1, node.received(PutRequest.class).size()); // one id asked twice: resolved once
    }

    @Test
    void storeCommands_askListenersRegisteredAfterInitialize_sessionsKeepTheirSnapshot() {
        holder();
        DocumentStore store = store();
        DocumentSession before = store.openSession();
        store.registerListener(ConflictListenerTest::keepB);
        assertThrows(ConflictException.class, () -> before.load(Person.class, "people/1"));
        before.close();
        assertEquals(List.of(), node.writes());
        assertEquals("Ayende", store.getDatabaseCommands().get("people/1").getBody().path("name").asText());
    }

    @Test
    void resolutionCountsAgainstTheSessionRequestBudget() {
        holder();
        DocumentStore store = store(s -> {
            s.getConventions().setMaxNumberOfRequestsPerSession(1);
            s.registerListener(ConflictListenerTest::keepB);
        });
        try (DocumentSession session = store.openSession()) {
            assertThrows(MaxRequestsExceededException.class, () -> session.load(Person.class, "people/1"));
        }
        assertEquals(List.of(), node.writes());
    }

    @Test
    void listenerException_endsTheRead_andSavesNothing() {
        holder();
        DocumentStore store = store((id, versions) -> {
            throw new IllegalStateException("cannot decide " + id);
        });
        try (DocumentSession session = store.openSession()) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> session.load(Person.class, "people/1"));
            assertEquals("cannot decide people/1", e.getMessage());
        }
        assertEquals(List.of(), node.writes());
    }

    @Test
    void malformedConflicts_isACorvidExceptionNamingTheId_andAsksNoListener() {
        ObjectNode metadata = FakeConflictNode.personMetadata();
        metadata.put("@conflict", true);
        metadata.put("@conflicts", "not an array");
        node.putRaw("people/1", metadata);
        boolean[] asked = new boolean[1];
        DocumentStore store = store((id, versions) -> {
            asked[0] = true;
            return ConflictResolution.delete();
        });
        try (DocumentSession session = store.openSession()) {
            CorvidException e = assertThrows(CorvidException.class, () -> session.load(Person.class, "people/1"));
            assertFalse(e instanceof ConflictException);
            assertTrue(e.getMessage().contains("'people/1'"), e.getMessage());
            assertTrue(e.getMessage().contains("@conflicts"), e.getMessage());
        }
        assertFalse(asked[0]);
        assertEquals(List.of(), node.writes());
    }

    @Test
    void conflictFlagOtherThanTrue_isAnOrdinaryDocument() {
        ObjectNode metadata = FakeConflictNode.personMetadata();
        metadata.put("@conflict", false);
        node.putRaw("people/1", metadata);
        JsonDocument document = store().getDatabaseCommands().get("people/1");
        assertNotNull(document);
        assertEquals(List.of(), node.writes());
    }
}
