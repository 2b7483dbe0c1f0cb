package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Reading {@code @conflicts} defensively, the conflict exception's message, and resolutions. */
class ConflictedVersionTest {

    private static final String A = "{\"node\":\"A\",\"etag\":\"01000000-0000-0001-0000-00000000002A\",\"deleted\":false,"
            + "\"last-modified\":\"2026-12-02T03:04:05.678Z\",\"metadata\":{\"@collection\":\"People\"},"
            + "\"body\":{\"name\":\"Oren\"}}";
    private static final String B_DELETED = "{\"node\":\"B\",\"etag\":\"02000000-0000-0001-0000-000000000007\",\"deleted\":true}";

    private static ObjectNode holder(String conflictsJson) {
        return Jsons.object("{\"@collection\":\"People\",\"@conflict\":true,\"@conflicts\":" + conflictsJson + "}");
    }

    @Test
    void parseAll_readsEveryField_inOrder() {
        List<ConflictedVersion> versions = ConflictedVersion.parseAll("people/1", holder("[" + A + "," + B_DELETED + "]"));
        assertEquals(2, versions.size());
        ConflictedVersion a = versions.get(0);
        assertEquals("A", a.getNodeName());
        assertEquals(Etag.parse("01000000-0000-0001-0000-00000000002A"), a.getEtag());
        assertFalse(a.isDeleted());
        assertEquals(Jsons.object("{\"name\":\"Oren\"}"), a.getBody());
        assertEquals(Jsons.object("{\"@collection\":\"People\"}"), a.getMetadata());
        assertEquals("2026-12-02T03:04:05.678Z", a.getLastModified());
        ConflictedVersion b = versions.get(1);
        assertEquals("B", b.getNodeName());
        assertTrue(b.isDeleted());
        assertNull(b.getBody());
        assertNull(b.getMetadata());
        assertNull(b.getLastModified());
        assertEquals("B 02000000-0000-0001-0000-000000000007 (deleted)", b.toString());
    }

    @Test
    void getters_returnCopies() {
        ConflictedVersion a = ConflictedVersion.parseAll("people/1", holder("[" + A + "," + A + "]")).get(0);
        a.getBody().put("name", "changed");
        a.getMetadata().put("@collection", "changed");
        assertEquals("Oren", a.getBody().path("name").asText());
        assertEquals("People", a.getMetadata().path("@collection").asText());
        assertNotSame(a.getBody(), a.getBody());
    }

    @Test
    void parseAll_missingMetadataAndDeleted_meanEmptyMetadataAndALiveVersion() {
        String bare = "{\"node\":\"C\",\"etag\":\"01000000-0000-0001-0000-000000000001\",\"body\":{}}";
        ConflictedVersion c = ConflictedVersion.parseAll("people/1", holder("[" + A + "," + bare + "]")).get(1);
        assertFalse(c.isDeleted());
        assertEquals(Jsons.object("{}"), c.getMetadata());
        assertEquals(Jsons.object("{}"), c.getBody());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "\"not an array\"",
            "[]",
            "[" + A + "]",
            "[" + A + ", 7]",
            "[" + A + ", {\"etag\":\"01000000-0000-0001-0000-000000000001\",\"body\":{}}]",
            "[" + A + ", {\"node\":\"\",\"etag\":\"01000000-0000-0001-0000-000000000001\",\"body\":{}}]",
            "[" + A + ", {\"node\":\"B\",\"body\":{}}]",
            "[" + A + ", {\"node\":\"B\",\"etag\":42,\"body\":{}}]",
            "[" + A + ", {\"node\":\"B\",\"etag\":\"not-an-etag\",\"body\":{}}]",
            "[" + A + ", {\"node\":\"B\",\"etag\":\"01000000-0000-0001-0000-000000000001\",\"deleted\":\"yes\"}]",
            "[" + A + ", {\"node\":\"B\",\"etag\":\"01000000-0000-0001-0000-000000000001\"}]",
            "[" + A + ", {\"node\":\"B\",\"etag\":\"01000000-0000-0001-0000-000000000001\",\"body\":[1]}]",
            "[" + A + ", {\"node\":\"B\",\"etag\":\"01000000-0000-0001-0000-000000000001\",\"body\":{},\"metadata\":3}]",
            "[" + A + ", {\"node\":[],\"etag\":\"01000000-0000-0001-0000-000000000001\",\"body\":{}}]",
    })
    void parseAll_malformed_isACorvidExceptionNamingTheId(String conflicts) {
        CorvidException e = assertThrows(CorvidException.class,
                () -> ConflictedVersion.parseAll("people/1", holder(conflicts)));
        assertFalse(e instanceof ConflictException);
        assertTrue(e.getMessage().startsWith("document 'people/1' is in conflict but the node sent @conflicts"),
                e.getMessage());
    }

    @Test
    void parseAll_missingConflicts_isACorvidExceptionNamingTheId() {
        CorvidException e = assertThrows(CorvidException.class,
                () -> ConflictedVersion.parseAll("people/9", Jsons.object("{\"@conflict\":true}")));
        assertTrue(e.getMessage().contains("'people/9'") && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void conflictException_messageNamesIdVersionsEtagAndHowToResolve() {
        List<ConflictedVersion> versions = ConflictedVersion.parseAll("people/1", holder("[" + A + "," + B_DELETED + "]"));
        Etag conflictEtag = Etag.parse("01000000-0000-0001-0000-000000000100");
        ConflictException e = new ConflictException("people/1", conflictEtag, versions);
        assertEquals("Document 'people/1' is in conflict: 2 versions (A 01000000-0000-0001-0000-00000000002A, "
                + "B 02000000-0000-0001-0000-000000000007 (deleted)), conflict etag 01000000-0000-0001-0000-000000000100, "
                + "and no DocumentConflictListener resolved it. Register one with "
                + "DocumentStore.registerListener(DocumentConflictListener), or save a resolution with the conflict etag: "
                + "session.store(entity, conflictEtag, id) then saveChanges(), "
                + "DatabaseCommands.put(id, conflictEtag, body, metadata) or DatabaseCommands.delete(id, conflictEtag)",
                e.getMessage());
        assertEquals("people/1", e.getDocumentId());
        assertEquals(conflictEtag, e.getEtag());
        assertEquals(versions, e.getVersions());
        assertThrows(UnsupportedOperationException.class, () -> e.getVersions().clear());
    }

    @Test
    void resolutionPut_copiesItsInput_andNullMetadataIsEmpty() {
        ObjectNode body = Jsons.object("{\"name\":\"Oren\"}");
        ObjectNode metadata = Jsons.object("{\"@collection\":\"People\"}");
        ConflictResolution resolution = ConflictResolution.put(body, metadata);
        body.put("name", "changed");
        metadata.removeAll();
        assertFalse(resolution.isDelete());
        assertEquals("Oren", resolution.body().path("name").asText());
        assertEquals("People", resolution.metadata().path("@collection").asText());
        assertEquals(Jsons.object("{}"), ConflictResolution.put(body, null).metadata());
        assertThrows(NullPointerException.class, () -> ConflictResolution.put(null, metadata));
        assertTrue(ConflictResolution.delete().isDelete());
        assertSame(ConflictResolution.delete(), ConflictResolution.delete());
    }

    @Test
    void storedMetadata_neverHoldsTheConflictKeys() {
        ObjectNode stored = Metadata.stored(holder("[" + A + "," + A + "]"));
        assertEquals(Jsons.object("{\"@collection\":\"People\"}"), stored);
        assertTrue(Metadata.isConflict(holder("[]")));
        assertFalse(Metadata.isConflict(Jsons.object("{\"@conflict\":\"true\"}")));
        assertFalse(Metadata.isConflict(Jsons.object("{}")));
    }
}
