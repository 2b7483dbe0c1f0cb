package dev.corvid.node.storage;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogStorageTest {

    @TempDir
    Path dir;
    private LogStorage storage;

    @BeforeEach
    void open() {
        storage = LogStorage.open(small(dir));
    }

    @AfterEach
    void close() {
        storage.close();
    }

    /** Small log segments keep the zero-filling of fresh test directories cheap. */
    static StorageOptions small(Path dir) {
        return new StorageOptions(dir, StorageOptions.DEFAULT_MAX_DOCUMENT_BYTES, 128 * 1024);
    }

    private Etag put(String id, String body, Etag expected) {
        return storage.write(WriteBatch.builder().put(id, "{\"@collection\":\"People\"}", body, expected).build())
                .get(0).etag();
    }

    private WriteResult delete(String id, Etag expected) {
        return storage.write(WriteBatch.builder().delete(id, expected).build()).get(0);
    }

    @Test
    void put_thenGet_returnsBodyMetadataAndEtag() throws Exception {
        java.time.Instant before = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        Etag etag = put("people/1", "{\"name\":\"Oren\"}", null);
        StoredDocument doc = storage.get("people/1").orElseThrow();
        assertEquals(etag, doc.etag());
        assertEquals("{\"name\":\"Oren\"}", doc.bodyJson().toStringUtf8());
        assertTrue(doc.metadataJson().toStringUtf8().contains("\"@collection\":\"People\""), doc.metadataJson().toStringUtf8());
        java.time.Instant modified = java.time.Instant.parse(
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(doc.metadataJson().toStringUtf8()).get("@last-modified").asText());
        assertTrue(!modified.isBefore(before) && !modified.isAfter(java.time.Instant.now()), modified + " is not the time of the put");
        assertEquals(1, storage.documentCount());
        assertEquals(etag, storage.lastEtag());
    }

    @Test
    void getAll_ofMoreBytesThanAllowed_stopsWithAnswerTooLarge_andWithinTheBudgetReadsThemAll() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            put("big/" + i, "{\"pad\":\"" + "x".repeat(16 * 1024) + "\"}", null);
            ids.add("big/" + i);
        }
        AnswerTooLargeException e = assertThrows(AnswerTooLargeException.class, () -> storage.getAll(ids, 40 * 1024));
        assertEquals(40 * 1024, e.limit());
        assertEquals(5, storage.getAll(ids, 200 * 1024).stream().filter(Optional::isPresent).count());
    }

    @Test
    void get_missing_isEmpty() {
        assertTrue(storage.get("people/404").isEmpty());
    }

    @Test
    void put_withoutEtag_overwritesLastWriteWins() {
        Etag first = put("people/1", "{\"v\":1}", null);
        Etag second = put("people/1", "{\"v\":2}", null);
        assertTrue(second.compareTo(first) > 0);
        assertEquals("{\"v\":2}", storage.get("people/1").orElseThrow().bodyJson().toStringUtf8());
    }

    @Test
    void put_withEmptyEtag_onMissingDocument_succeeds() {
        assertNotNull(put("people/1", "{}", Etag.EMPTY));
    }

    @Test
    void put_withEmptyEtag_onExistingDocument_throwsConcurrencyException() {
        Etag current = put("people/1", "{}", null);
        ConcurrencyViolationException e = assertThrows(ConcurrencyViolationException.class,
                () -> put("people/1", "{\"v\":2}", Etag.EMPTY));
        assertEquals("people/1", e.id());
        assertEquals(Etag.EMPTY, e.expected());
        assertEquals(current, e.actual());
        assertEquals(ConcurrencyViolationException.Operation.PUT, e.operation());
        assertEquals("{}", storage.get("people/1").orElseThrow().bodyJson().toStringUtf8());
    }

    @Test
    void put_withEmptyEtag_overTombstone_succeeds() {
        put("people/1", "{}", null);
        delete("people/1", null);
        assertNotNull(put("people/1", "{\"again\":true}", Etag.EMPTY));
    }

    @Test
    void put_withStaleEtag_throwsConcurrencyException() {
        Etag loaded = put("people/1", "{\"v\":1}", null);
        Etag current = put("people/1", "{\"v\":2}", null);
        ConcurrencyViolationException e = assertThrows(ConcurrencyViolationException.class,
                () -> put("people/1", "{\"v\":3}", loaded));
        assertTrue(e.getMessage().startsWith("PUT attempted on document 'people/1' using a non current etag"),
                e.getMessage());
        assertEquals(loaded, e.expected());
        assertEquals(current, e.actual());
        assertEquals("{\"v\":2}", storage.get("people/1").orElseThrow().bodyJson().toStringUtf8());
    }

    @Test
    void put_withCurrentEtag_succeeds() {
        Etag current = put("people/1", "{\"v\":1}", null);
        Etag next = put("people/1", "{\"v\":2}", current);
        assertTrue(next.compareTo(current) > 0);
    }

    @Test
    void put_withEtagOnMissingDocument_throwsWithNullActual() {
        Etag other = put("people/2", "{}", null);
        ConcurrencyViolationException e = assertThrows(ConcurrencyViolationException.class,
                () -> put("people/1", "{}", other));
        assertNull(e.actual());
        assertTrue(storage.get("people/1").isEmpty());
    }

    @Test
    void delete_missingDocument_isNoOp() {
        WriteResult result = delete("people/1", null);
        assertTrue(result.deleted());
        assertNull(result.etag());
        assertNull(storage.lastEtag());
        assertTrue(storage.changesAfter(Etag.EMPTY, 10).isEmpty());
    }

    @Test
    void delete_withStaleEtag_throwsConcurrencyException() {
        Etag loaded = put("people/1", "{\"v\":1}", null);
        put("people/1", "{\"v\":2}", null);
        ConcurrencyViolationException e = assertThrows(ConcurrencyViolationException.class,
                () -> delete("people/1", loaded));
        assertTrue(e.getMessage().startsWith("DELETE attempted on document 'people/1' using a non current etag"),
                e.getMessage());
        assertEquals(ConcurrencyViolationException.Operation.DELETE, e.operation());
        assertTrue(storage.get("people/1").isPresent());
    }

    @Test
    void delete_withCurrentEtag_leavesTombstoneInChangeFeed() {
        Etag current = put("people/1", "{}", null);
        WriteResult result = delete("people/1", current);
        assertTrue(result.etag().compareTo(current) > 0);
        assertTrue(storage.get("people/1").isEmpty());
        assertEquals(0, storage.documentCount());
        List<Change> changes = storage.changesAfter(Etag.EMPTY, 10);
        assertEquals(1, changes.size());
        assertTrue(changes.get(0).deleted());
        assertEquals(result.etag(), changes.get(0).etag());
    }

    @Test
    void delete_withEtagOnMissingDocument_throws() {
        Etag other = put("people/2", "{}", null);
        assertThrows(ConcurrencyViolationException.class, () -> delete("people/1", other));
    }

    @Test
    void batch_whoseThirdOperationFails_leavesFirstTwoUnapplied() {
        Etag existing = put("people/3", "{\"v\":1}", null);
        long countBefore = storage.documentCount();
        WriteBatch batch = WriteBatch.builder()
                .put("people/1", null, "{}", null)
                .put("people/2", null, "{}", Etag.EMPTY)
                .put("people/3", null, "{\"v\":2}", Etag.EMPTY)
                .build();
        assertThrows(ConcurrencyViolationException.class, () -> storage.write(batch));
        assertTrue(storage.get("people/1").isEmpty());
        assertTrue(storage.get("people/2").isEmpty());
        assertEquals(existing, storage.get("people/3").orElseThrow().etag());
        assertEquals(countBefore, storage.documentCount());
        assertEquals(existing, storage.lastEtag());
        assertEquals(1, storage.changesAfter(Etag.EMPTY, 10).size());
    }

    @Test
    void batch_appliesAllOperationsInOrder() {
        Etag old = put("people/9", "{}", null);
        List<WriteResult> results = storage.write(WriteBatch.builder()
                .put("people/1", null, "{}", Etag.EMPTY)
                .put("people/2", null, "{}", null)
                .delete("people/9", old)
                .build());
        assertEquals(3, results.size());
        assertTrue(results.get(0).etag().compareTo(old) > 0);
        assertTrue(results.get(1).etag().compareTo(results.get(0).etag()) > 0);
        assertTrue(results.get(2).etag().compareTo(results.get(1).etag()) > 0);
        assertEquals(2, storage.documentCount());
    }

    @Test
    void etags_strictlyIncrease_acrossReopen_andCarryTheNodeTag() {
        Etag before = put("people/1", "{}", null);
        storage.close();
        storage = LogStorage.open(small(dir));
        assertEquals(before, storage.lastEtag());
        Etag after = put("people/2", "{}", null);
        assertTrue(after.compareTo(before) > 0, after + " <= " + before);
        assertEquals(before.nodeTag(), after.nodeTag());
        assertEquals(storage.nodeTag(), after.nodeTag());
        assertEquals(before, storage.get("people/1").orElseThrow().etag());
    }

    @Test
    void twoNodes_neverIssueEqualEtags(@TempDir Path other) {
        try (LogStorage second = LogStorage.open(small(other))) {
            Etag a = put("people/1", "{}", null);
            Etag b = second.write(WriteBatch.builder().put("people/1", null, "{}", null).build()).get(0).etag();
            assertNotEquals(storage.nodeTag(), second.nodeTag());
            assertNotEquals(a, b);
            assertEquals(a.change(), b.change());
        }
    }

    @Test
    void changeFeed_isInEtagOrder_withEachIdOnceAtItsLatestChange() {
        put("people/1", "{\"v\":1}", null);
        Etag two = put("people/2", "{}", null);
        put("people/1", "{\"v\":2}", null);
        List<Change> all = storage.changesAfter(Etag.EMPTY, 100);
        assertEquals(List.of("people/2", "people/1"), all.stream().map(Change::id).toList());
        assertEquals("{\"v\":2}", all.get(1).bodyJson().toStringUtf8());
        assertEquals(List.of("people/1"), storage.changesAfter(two, 100).stream().map(Change::id).toList());
        assertEquals(1, storage.changesAfter(Etag.EMPTY, 1).size());
    }

    @Test
    void reserveIds_neverHandsOutARangeTwice_acrossReopen() {
        IdRange a = storage.reserveIds("People", 10);
        IdRange b = storage.reserveIds("People", 5);
        IdRange other = storage.reserveIds("Products", 3);
        assertEquals(new IdRange(1, 10), a);
        assertEquals(new IdRange(11, 15), b);
        assertEquals(new IdRange(1, 3), other);
        storage.close();
        storage = LogStorage.open(small(dir));
        assertEquals(new IdRange(16, 16), storage.reserveIds("People", 1));
    }

    @Test
    void concurrentWriters_shareCommits_andEveryWriteLands() throws Exception {
        int threads = 16;
        int perThread = 100;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<Etag>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    List<Etag> etags = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        etags.add(put("docs/" + thread + "-" + i, "{\"i\":" + i + "}", Etag.EMPTY));
                    }
                    return etags;
                }));
            }
            for (Future<List<Etag>> f : futures) {
                List<Etag> etags = f.get();
                for (int i = 1; i < etags.size(); i++) {
                    assertTrue(etags.get(i).compareTo(etags.get(i - 1)) > 0);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * perThread, storage.documentCount());
        assertEquals(threads * perThread, storage.changesAfter(Etag.EMPTY, 10_000).size());
    }

    /**
     * With every other trigger off, MapDB commits once the distinct records waiting for it reach
     * the byte limit: a document saved again replaces its waiting record instead of adding to it.
     */
    @Test
    void mapDbCommits_whenTheDistinctRecordsWaitingForItReachTheByteLimit() {
        storage.close();
        CheckpointPolicy byBytes = new CheckpointPolicy(
                Integer.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, 16 * 1024);
        storage = LogStorage.open(small(dir), byBytes);
        String body = "{\"pad\":\"" + "p".repeat(1000) + "\"}";
        for (int i = 0; i < 100; i++) {
            put("same", body, null); // 100 KB written, about 1 KB waiting
        }
        await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> storage.checkpointSeq() == 0);

        for (int i = 0; i < 20; i++) {
            put("distinct/" + i, body, null);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> storage.checkpointSeq() > 0);
    }

    /**
     * Readers run while a writer updates two documents in one batch each time, MapDB commits every
     * few milliseconds and a record cache far too small for the data keeps dropping records: so
     * reads come from every layer (uncommitted, cached, MapDB) and race the flusher. Every read must
     * see both documents of one batch, and never an older batch than a read before it.
     */
    @Test
    void reads_seeWholeBatches_inOrder_whileMapDbCommitsAndTheCacheDropsRecords() throws Exception {
        storage.close();
        CheckpointPolicy often = new CheckpointPolicy(40, 128 * 1024, 5, 2, 64 * 1024);
        storage = LogStorage.open(new StorageOptions(dir, StorageOptions.DEFAULT_MAX_DOCUMENT_BYTES, 128 * 1024, 8 * 1024),
                often);
        String padding = "p".repeat(600);
        for (int i = 0; i < 200; i++) {
            put("filler/" + i, "{\"pad\":\"" + padding + "\"}", Etag.EMPTY);
        }
        int writes = 1_500;
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Future<?> writer = pool.submit(() -> {
                for (int n = 1; n <= writes; n++) {
                    String body = "{\"n\":" + n + ",\"pad\":\"" + padding + "\"}";
                    storage.write(WriteBatch.builder()
                            .put("pair/a", "{}", body, null)
                            .put("pair/b", "{}", body, null)
                            .put("filler/" + n % 200, "{}", body, null)
                            .build());
                }
                return null;
            });
            List<Future<Integer>> readers = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                readers.add(pool.submit(() -> {
                    int last = 0;
                    int reads = 0;
                    while (last < writes) {
                        List<Optional<StoredDocument>> pair = storage.getAll(List.of("pair/a", "filler/7", "pair/b"));
                        if (pair.get(0).isEmpty()) {
                            assertTrue(pair.get(2).isEmpty(), "pair/b without pair/a");
                            continue;
                        }
                        int a = counter(pair.get(0).orElseThrow());
                        int b = counter(pair.get(2).orElseThrow());
                        assertEquals(a, b, "one read saw two different batches");
                        assertTrue(a >= last, "read batch " + a + " after batch " + last);
                        assertTrue(pair.get(1).isPresent());
                        last = a;
                        reads++;
                    }
                    return reads;
                }));
            }
            writer.get();
            for (Future<Integer> reader : readers) {
                assertTrue(reader.get() > 0);
            }
        } finally {
            pool.shutdownNow();
        }
        List<Change> feed = storage.changesAfter(Etag.EMPTY, 10_000);
        assertEquals(202, feed.size());
        for (int i = 1; i < feed.size(); i++) {
            assertTrue(feed.get(i).etag().compareTo(feed.get(i - 1).etag()) > 0);
        }
    }

    private static int counter(StoredDocument doc) {
        String body = doc.bodyJson().toStringUtf8();
        int start = body.indexOf("\"n\":") + 4;
        return Integer.parseInt(body.substring(start, body.indexOf(',', start)));
    }

    @Test
    void badInput_isRejected_andChangesNothing() {
        assertThrows(BadRequestException.class, () -> put("", "{}", null));
        assertThrows(BadRequestException.class, () -> put("a".repeat(DocumentIds.MAX_ID_LENGTH + 1), "{}", null));
        assertThrows(BadRequestException.class, () -> put("people/\u0001", "{}", null));
        assertThrows(BadRequestException.class, () -> put(" people/1", "{}", null));
        assertThrows(BadRequestException.class, () -> put("people/1", "[1,2]", null));
        assertThrows(BadRequestException.class, () -> put("people/1", "{\"a\":", null));
        assertThrows(BadRequestException.class, () -> put("people/1", "{} {}", null));
        assertThrows(BadRequestException.class, () -> put("people/1", "{\"a\":1,\"a\":2}", null));
        assertThrows(BadRequestException.class, () -> put("people/1", "", null));
        assertThrows(BadRequestException.class, () -> storage.write(WriteBatch.builder()
                .put("people/1", "{\"@collection\":42}", "{}", null).build()));
        assertThrows(BadRequestException.class, () -> WriteBatch.builder().build());
        String big = "{\"bio\":\"" + "x".repeat(StorageOptions.DEFAULT_MAX_DOCUMENT_BYTES) + "\"}";
        BadRequestException tooLarge = assertThrows(BadRequestException.class, () -> put("people/1", big, null));
        assertTrue(tooLarge.getMessage().contains("limit is " + StorageOptions.DEFAULT_MAX_DOCUMENT_BYTES),
                tooLarge.getMessage());
        assertEquals(0, storage.documentCount());
        assertNull(storage.lastEtag());
        assertFalse(storage.get("people/1").isPresent());
    }

    @Test
    void getAll_returnsOneEntryPerIdInOrder() {
        put("people/1", "{}", null);
        put("people/3", "{}", null);
        List<Optional<StoredDocument>> docs = storage.getAll(List.of("people/3", "people/2", "people/1"));
        assertEquals("people/3", docs.get(0).orElseThrow().id());
        assertTrue(docs.get(1).isEmpty());
        assertEquals("people/1", docs.get(2).orElseThrow().id());
    }

    @Test
    void manyCheckpoints_recycleLogSegments_andLoseNothing() {
        String body = "{\"bio\":\"" + "y".repeat(1000) + "\"}";
        for (int i = 0; i < 600; i++) {
            put("many/" + i, body, Etag.EMPTY);
        }
        storage.close();
        storage = LogStorage.open(small(dir));
        assertEquals(600, storage.documentCount());
        for (int i = 600; i < 700; i++) {
            put("many/" + i, body, Etag.EMPTY);
        }
        assertEquals(700, storage.changesAfter(Etag.EMPTY, 1000).size());
    }

    @Test
    void documentSavedManyTimesBetweenCommits_reopensAtItsLatestVersion() {
        for (int n = 1; n <= 300; n++) {
            put("hot/1", "{\"n\":" + n + "}", null);
            put("hot/2", "{\"n\":" + n + "}", null);
        }
        storage.reserveIds("People", 5);
        storage.reserveIds("People", 7);
        Etag last = storage.get("hot/2").orElseThrow().etag();
        storage.close();
        storage = LogStorage.open(small(dir));
        assertEquals("{\"n\":300}", storage.get("hot/1").orElseThrow().bodyJson().toStringUtf8());
        assertEquals(last, storage.get("hot/2").orElseThrow().etag());
        assertEquals(2, storage.changesAfter(Etag.EMPTY, 10).size());
        assertEquals(new IdRange(13, 13), storage.reserveIds("People", 1));
    }

    @Test
    void documentThatChangedCollectionBetweenCommits_leavesBothCollectionsKnownAfterReopen() {
        storage.write(WriteBatch.builder().put("moving/1", "{\"@collection\":\"Alphas\"}", "{}", null).build());
        storage.write(WriteBatch.builder().put("moving/1", "{\"@collection\":\"Betas\"}", "{}", null).build());
        storage.close();
        storage = LogStorage.open(small(dir));
        assertEquals(0, storage.query(new Query("Alphas", List.of(), List.of(), 0, 10)).totalResults());
        assertEquals(1, storage.query(new Query("Betas", List.of(), List.of(), 0, 10)).totalResults());
    }

    @Test
    void writes_afterClose_areRefused() {
        storage.close();
        assertThrows(StorageUnavailableException.class, () -> put("people/1", "{}", null));
    }

    @Test
    void put_replicationMetadataFromAClient_isNotStored() {
        storage.write(WriteBatch.builder().put("people/1",
                "{\"@replication-source\":\"A\",\"@source-etag\":\"x\",\"@failover-write\":true,\"k\":1}", "{}", null)
                .build());
        String metadata = storage.get("people/1").orElseThrow().metadataJson().toStringUtf8();
        assertFalse(metadata.contains("@replication-source") || metadata.contains("@source-etag")
                || metadata.contains("@failover-write"), metadata);
        assertTrue(metadata.contains("\"k\":1"), metadata);
    }

    @Test
    void failoverBuilder_marksEachPutAndEachTombstone_withTheReplicasBase_andTheMarksSurviveARestart() {
        storage.write(WriteBatch.builder().put("people/2", null, "{}", null).build());
        Etag base = Etag.of(0x0000AA, 1, 41);
        storage.write(WriteBatch.failoverBuilder(base).put("people/1", null, "{}", null).delete("people/2", null).build());
        String metadata = storage.get("people/1").orElseThrow().metadataJson().toStringUtf8();
        assertTrue(metadata.contains("\"@failover-write\":true") && metadata.contains("\"@failover-base\":\"" + base + "\""),
                metadata);
        for (int round = 0; round < 2; round++) {
            Change tombstone = storage.changesAfter(Etag.EMPTY, 10).stream().filter(c -> c.id().equals("people/2"))
                    .findFirst().orElseThrow();
            assertTrue(tombstone.deleted());
            String kept = tombstone.metadataJson().toStringUtf8();
            assertTrue(kept.contains("\"@failover-write\":true") && kept.contains(base.toString()), kept);
            storage.close();
            storage = LogStorage.open(small(dir));
        }
        assertTrue(storage.get("people/2").isEmpty());
    }

    @Test
    void anOrdinaryDelete_leavesAPlainTombstone() {
        storage.write(WriteBatch.builder().put("people/3", null, "{}", null).build());
        storage.write(WriteBatch.builder().delete("people/3", null).build());
        Change tombstone = storage.changesAfter(Etag.EMPTY, 10).stream().filter(c -> c.id().equals("people/3")).findFirst().orElseThrow();
        assertTrue(tombstone.deleted() && tombstone.metadataJson() == null);
    }
}
