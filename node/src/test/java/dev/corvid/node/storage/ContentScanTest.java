package dev.corvid.node.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentScanTest {

    @TempDir
    Path dir;
    private LogStorage storage;

    @BeforeEach
    void open() {
        storage = LogStorage.open(LogStorageTest.small(dir.resolve("node")));
    }

    @AfterEach
    void close() {
        storage.close();
    }

    private Etag put(String id, String body) {
        return storage.write(WriteBatch.builder().put(id, "{\"@collection\":\"People\"}", body, null).build())
                .get(0).etag();
    }

    private static List<ContentDigest> all(ContentScan scan, int pageSize) {
        List<ContentDigest> out = new ArrayList<>();
        while (!scan.done()) {
            out.addAll(scan.nextPage(pageSize));
        }
        return out;
    }

    @Test
    void scan_listsEveryIdInIdOrder_withTombstonesAndBodyHashes() {
        put("people/2", "{\"name\":\"Ayende\"}");
        put("people/1", "{\"name\":\"Oren\"}");
        put("people/3", "{\"name\":\"Oren\"}");
        Etag last = storage.write(WriteBatch.builder().delete("people/2", null).build()).get(0).etag();

        ContentScan scan = storage.contentScan(null);
        assertEquals(last, scan.lastEtag());
        assertNull(scan.lastAppliedFromSource());
        assertEquals(3, scan.size());
        List<ContentDigest> digests = all(scan, 2);
        assertEquals(List.of("people/1", "people/2", "people/3"), digests.stream().map(ContentDigest::id).toList());
        Map<String, ContentDigest> byId = digests.stream().collect(Collectors.toMap(ContentDigest::id, d -> d));
        assertTrue(byId.get("people/2").deleted());
        assertEquals(0, byId.get("people/2").bodyHash().length);
        assertEquals(ContentScan.HASH_BYTES, byId.get("people/1").bodyHash().length);
        assertArrayEquals(byId.get("people/1").bodyHash(), byId.get("people/3").bodyHash(), "same body, same hash");
        assertEquals("People", byId.get("people/1").collection());
        assertEquals(0, scan.changedDuringScan());
    }

    @Test
    void scan_leavesOutAndCountsIdsChangedAfterTheSnapshot_andIgnoresNewOnes() {
        put("a", "{\"v\":1}");
        put("b", "{\"v\":1}");
        ContentScan scan = storage.contentScan(null);
        Etag before = scan.lastEtag();
        put("a", "{\"v\":2}");
        put("c", "{\"v\":1}");

        List<ContentDigest> digests = all(scan, 10);
        assertEquals(List.of("b"), digests.stream().map(ContentDigest::id).toList());
        assertEquals(1, scan.changedDuringScan());
        assertNotEquals(before, storage.lastEtag());
    }

    @Test
    void scan_onAReplica_reportsTheLastMasterEtagApplied() {
        try (LogStorage master = LogStorage.open(LogStorageTest.small(dir.resolve("master")))) {
            Etag masterEtag = master.write(WriteBatch.builder().put("x", "{}", "{\"v\":1}", null).build()).get(0).etag();
            storage.applyReplicatedAsync("A", master.changesAfter(Etag.EMPTY, 10)).join();
            ContentScan scan = storage.contentScan("A");
            assertEquals(masterEtag, scan.lastAppliedFromSource());
            assertFalse(all(scan, 1).get(0).deleted());
        }
    }
}
