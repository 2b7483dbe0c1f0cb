package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corvid.client.examples.Person;
import dev.corvid.probe.MultiProcess;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Listener order and what each call sees, on a real node. */
@MultiProcess
class ListenersTest {

    @RegisterExtension
    static final RealNode NODE = new RealNode();

    /** Records every call as "method id @etag=..." (the etag the metadata holds at that moment). */
    static final class Recorder implements DocumentStoreListener, DocumentConversionListener {

        final List<String> calls = new ArrayList<>();
        final List<ObjectNode> originals = new ArrayList<>();

        private void record(String method, String id, ObjectNode metadata) {
            calls.add(method + " " + id + " @etag=" + (metadata.has("@etag") ? metadata.get("@etag").asText() : "none"));
        }

        @Override
        public boolean beforeStore(String id, Object entity, ObjectNode metadata, ObjectNode original) {
            record("beforeStore", id, metadata);
            originals.add(original);
            return false;
        }

        @Override
        public void afterStore(String id, Object entity, ObjectNode metadata) {
            record("afterStore", id, metadata);
        }

        @Override
        public void beforeConversionToDocument(String id, Object entity, ObjectNode metadata) {
            record("beforeConversionToDocument", id, metadata);
        }

        @Override
        public void afterConversionToDocument(String id, Object entity, ObjectNode document, ObjectNode metadata) {
            record("afterConversionToDocument", id, metadata);
        }

        @Override
        public void beforeConversionToEntity(String id, ObjectNode document, ObjectNode metadata) {
            record("beforeConversionToEntity", id, metadata);
        }

        @Override
        public void afterConversionToEntity(String id, ObjectNode document, ObjectNode metadata, Object entity) {
            record("afterConversionToEntity", id, metadata);
        }
    }

    @Test
    void listeners_runInOrder_andSeeTheRightEtags() {
        Recorder recorder = new Recorder();
        DocumentStore store = NODE.store(s -> s.registerListener((DocumentStoreListener) recorder)
                .registerListener((DocumentConversionListener) recorder));
        String id = "people/listened";

        Etag first;
        try (DocumentSession session = store.openSession()) {
            Person p = new Person("v1");
            session.store(p, id);
            session.saveChanges();
            first = session.advanced().getEtagFor(p);
        }
        assertEquals(List.of(
                "beforeConversionToDocument " + id + " @etag=none",
                "afterConversionToDocument " + id + " @etag=none",
                "beforeStore " + id + " @etag=none",
                "afterStore " + id + " @etag=" + first), recorder.calls);
        assertNull(recorder.originals.get(0), "a new document has no original");

        recorder.calls.clear();
        Etag second;
        try (DocumentSession session = store.openSession()) {
            Person p = session.load(Person.class, id);
            p.setName("v2");
            session.saveChanges();
            second = session.advanced().getEtagFor(p);
        }
        assertEquals(List.of(
                "beforeConversionToEntity " + id + " @etag=" + first,
                "afterConversionToEntity " + id + " @etag=" + first,
                "beforeConversionToDocument " + id + " @etag=" + first,
                "afterConversionToDocument " + id + " @etag=" + first,
                "beforeStore " + id + " @etag=" + first,
                "afterStore " + id + " @etag=" + second), recorder.calls);
        assertEquals("v1", recorder.originals.get(1).get("name").asText(), "original is the loaded version");
    }

    @Test
    void beforeStore_returningTrue_convertsTheEntityAgain_andMetadataEditsAreStored() {
        DocumentStore store = NODE.store(s -> s.registerListener(new DocumentStoreListener() {
            @Override
            public boolean beforeStore(String id, Object entity, ObjectNode metadata, ObjectNode original) {
                ((Person) entity).setName(((Person) entity).getName().toUpperCase());
                metadata.put("audited", true);
                return true;
            }
        }));
        try (DocumentSession session = store.openSession()) {
            session.store(new Person("quiet"), "people/audited");
            session.saveChanges();
        }
        JsonDocument raw = store.getDatabaseCommands().get("people/audited");
        assertEquals("QUIET", raw.getBody().get("name").asText());
        assertEquals(true, raw.getMetadata().get("audited").asBoolean());
    }

    @Test
    void unchangedEntities_doNotReachTheStoreListeners() {
        Recorder recorder = new Recorder();
        DocumentStore store = NODE.store(s -> s.registerListener((DocumentStoreListener) recorder));
        try (DocumentSession session = store.openSession()) {
            session.store(new Person("still"), "people/still");
            session.saveChanges();
            recorder.calls.clear();
            session.saveChanges();
        }
        assertEquals(List.of(), recorder.calls);
    }
}
