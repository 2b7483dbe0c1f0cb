package dev.corvid.node.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.corvid.node.storage.HandbackOutcome.Kind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The master's side of handing failover writes back: applied, conflict, already, or by policy. */
class HandbackTest {

    @TempDir
    Path dir;
    LogStorage master;
    /** The replica's etag space: another node tag. */
    private int counter;

    @BeforeEach
    void open() {
        master = LogStorage.open(LogStorageTest.small(dir));
    }

    @AfterEach
    void close() {
        master.close();
    }

    private Etag put(String id, String body) {
        return master.write(WriteBatch.builder().put(id, "{\"@collection\":\"Things\"}", body, null).build()).get(0).etag();
    }

    private HandedBack version(String id, String body, Etag base, String lastModified) {
        String metadata = "{\"@collection\":\"Things\",\"@failover-write\":true,\"@replication-source\":\"A\","
                + "\"@last-modified\":\"" + lastModified + "\"}";
        return new HandedBack(id, Etag.of(0x00B0B0, 1, ++counter), false, utf8(metadata), body == null ? null : utf8(body),
                base);
    }

    private HandedBack deletion(String id, Etag base) {
        return new HandedBack(id, Etag.of(0x00B0B0, 1, ++counter), true, utf8("{\"@failover-write\":true}"), null, base);
    }

    private HandbackOutcome handBack(HandedBack v, ConflictPolicy policy) {
        return master.handBackAsync("B", "A", List.of(v), policy).join().get(0);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private JsonNode metadata(String id) throws Exception {
        return JsonRules.MAPPER.readTree(master.get(id).orElseThrow().metadataJson().toByteArray());
    }

    private String body(String id) {
        return master.get(id).orElseThrow().bodyJson().toStringUtf8();
    }

    @Test
    void aVersionWrittenOnTopOfTheMastersCurrentOne_isApplied_withWhereItWasTaken_andOnlyOnce() throws Exception {
        Etag base = put("things/1", "{\"v\":1}");
        HandedBack v = version("things/1", "{\"v\":2}", base, "2026-12-02T03:00:00Z");
        HandbackOutcome applied = handBack(v, ConflictPolicy.SURFACE);
        assertEquals(Kind.APPLIED, applied.kind());
        assertEquals(applied.etag(), master.get("things/1").orElseThrow().etag());
        assertEquals("{\"v\":2}", body("things/1"));
        JsonNode m = metadata("things/1");
        assertEquals("B", m.get("@origin-node").asText());
        assertEquals(v.etag().toString(), m.get("@origin-etag").asText());
        assertFalse(m.has("@failover-write") || m.has("@replication-source"), m.toString());
        assertEquals(Kind.ALREADY, handBack(v, ConflictPolicy.SURFACE).kind(), "a hand-back sent again changes nothing");
        assertEquals(applied.etag(), master.lastEtag());
        assertEquals(Kind.APPLIED, handBack(version("things/new", "{}", base, "2026-12-02T03:00:00Z"),
                ConflictPolicy.SURFACE).kind(), "a document the master never had");
    }

    @Test
    void aVersionMeetingANewerMasterVersion_keepsBoth_asAConflict_thatAClientSaveEnds() throws Exception {
        Etag base = put("things/2", "{\"v\":1}");
        put("things/2", "{\"v\":\"master\"}");
        HandedBack theirs = version("things/2", "{\"v\":\"replica\"}", base, "2026-12-02T03:00:00Z");
        HandbackOutcome conflict = handBack(theirs, ConflictPolicy.SURFACE);
        assertEquals(Kind.CONFLICT, conflict.kind());
        JsonNode m = metadata("things/2");
        assertTrue(m.get("@conflict").asBoolean());
        assertEquals("Things", m.get("@collection").asText());
        JsonNode versions = m.get("@conflicts");
        assertEquals(2, versions.size(), m.toString());
        assertEquals("A", versions.get(0).get("node").asText());
        assertEquals("master", versions.get(0).get("body").get("v").asText());
        assertEquals("B", versions.get(1).get("node").asText());
        assertEquals(theirs.etag().toString(), versions.get(1).get("etag").asText());
        assertEquals("replica", versions.get(1).get("body").get("v").asText());
        assertFalse(versions.get(1).get("metadata").has("@failover-write"));
        assertEquals(Kind.ALREADY, handBack(theirs, ConflictPolicy.SURFACE).kind());

        // A third version joins the conflict; then a client's save with the conflict's etag ends it.
        assertEquals(Kind.CONFLICT, handBack(deletion("things/2", base), ConflictPolicy.SURFACE).kind());
        JsonNode three = metadata("things/2").get("@conflicts");
        assertEquals(3, three.size());
        assertTrue(three.get(2).get("deleted").asBoolean());
        Etag conflictEtag = master.get("things/2").orElseThrow().etag();
        master.write(WriteBatch.builder().put("things/2", metadata("things/2").toString(), "{\"v\":\"resolved\"}",
                conflictEtag).build());
        JsonNode resolved = metadata("things/2");
        assertFalse(resolved.has("@conflict") || resolved.has("@conflicts"), "a client cannot keep a conflict: " + resolved);
        assertEquals("{\"v\":\"resolved\"}", body("things/2"));
    }

    @Test
    void deletes_areAppliedOnTopOfTheMastersVersion_andConflictWithANewerOne() throws Exception {
        Etag base = put("things/3", "{}");
        assertEquals(Kind.APPLIED, handBack(deletion("things/3", base), ConflictPolicy.SURFACE).kind());
        assertTrue(master.get("things/3").isEmpty());
        assertEquals(Kind.ALREADY, handBack(deletion("things/3", base), ConflictPolicy.SURFACE).kind());

        Etag old = put("things/4", "{\"v\":1}");
        put("things/4", "{\"v\":2}");
        assertEquals(Kind.CONFLICT, handBack(deletion("things/4", old), ConflictPolicy.SURFACE).kind());
        JsonNode versions = metadata("things/4").get("@conflicts");
        assertFalse(versions.get(0).get("deleted").asBoolean());
        assertTrue(versions.get(1).get("deleted").asBoolean());
    }

    @Test
    void policies_resolveWithoutAConflict() throws Exception {
        Etag base = put("things/5", "{\"v\":1}");
        put("things/5", "{\"v\":\"master\"}");
        assertEquals(Kind.KEPT_BY_POLICY, handBack(version("things/5", "{\"v\":\"replica\"}", base, "2999-01-01T00:00:00Z"),
                ConflictPolicy.MASTER).kind());
        assertEquals("{\"v\":\"master\"}", body("things/5"));
        assertEquals(Kind.KEPT_BY_POLICY, handBack(version("things/5", "{\"v\":\"older\"}", base, "2000-01-01T00:00:00Z"),
                ConflictPolicy.LATEST).kind());
        assertEquals("{\"v\":\"master\"}", body("things/5"));
        assertEquals(Kind.APPLIED, handBack(version("things/5", "{\"v\":\"newer\"}", base, "2999-01-01T00:00:00Z"),
                ConflictPolicy.LATEST).kind());
        assertEquals("{\"v\":\"newer\"}", body("things/5"));
    }

    @Test
    void aBaseOfAnotherNodeTag_orNone_coversNothing() {
        put("things/6", "{\"v\":1}");
        assertEquals(Kind.CONFLICT, handBack(version("things/6", "{\"v\":2}", Etag.of(0x000001, 1, 1_000_000),
                "2026-12-02T03:00:00Z"), ConflictPolicy.SURFACE).kind());
        put("things/7", "{\"v\":1}");
        assertEquals(Kind.CONFLICT, handBack(version("things/7", "{\"v\":2}", null, "2026-12-02T03:00:00Z"),
                ConflictPolicy.SURFACE).kind());
        put("things/9", "{\"v\":1}");
        assertEquals(Kind.ALREADY, handBack(version("things/9", "{\"v\":1}", null, "2026-12-02T03:00:00Z"),
                ConflictPolicy.SURFACE).kind(), "the same content on both sides is no conflict");
    }

    @Test
    void aHandBackHoldingAnIdTwice_isRefused() {
        HandedBack v = version("things/8", "{}", null, "2026-12-02T03:00:00Z");
        assertThrows(IllegalArgumentException.class, () -> master.handBackAsync("B", "A", List.of(v, v), ConflictPolicy.SURFACE));
    }
}
