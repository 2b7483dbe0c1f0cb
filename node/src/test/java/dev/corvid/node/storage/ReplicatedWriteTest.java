package dev.corvid.node.storage;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replica's apply path, fed from the change feed of a second, real storage standing for the
 * master: own etags, provenance metadata, "last applied" in the same log record, nothing twice.
 */
class ReplicatedWriteTest {

    private static final CheckpointPolicy NEVER =
            new CheckpointPolicy(Integer.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);

    @TempDir
    Path dir;
    private LogStorage master;

    @BeforeEach
    void openMaster() {
        master = LogStorage.open(LogStorageTest.small(dir.resolve("master")));
    }

    @AfterEach
    void closeMaster() {
        master.close();
    }

    private Etag masterPut(String id, String body) {
        return master.write(WriteBatch.builder().put(id, "{\"@collection\":\"People\"}", body, null).build())
                .get(0).etag();
    }

    private LogStorage openReplica() {
        return LogStorage.open(LogStorageTest.small(dir.resolve("replica")));
    }

    private static Etag apply(Storage replica, List<Change> changes) {
        return replica.applyReplicatedAsync("A", changes).join();
    }

    @Test
    void applyReplicated_stampsOwnEtags_andRecordsSourceAndProgress() {
        Etag masterEtag = masterPut("people/1", "{\"name\":\"Oren\"}");
        try (LogStorage replica = openReplica()) {
            assertNull(replica.lastAppliedFrom("A"));
            assertEquals(masterEtag, apply(replica, master.changesAfter(Etag.EMPTY, 10)));

            StoredDocument doc = replica.get("people/1").orElseThrow();
            assertNotEquals(masterEtag, doc.etag());
            assertEquals(replica.nodeTag(), doc.etag().nodeTag());
            assertEquals("{\"name\":\"Oren\"}", doc.bodyJson().toStringUtf8());
            assertTrue(doc.metadataJson().toStringUtf8().contains("\"@replication-source\":\"A\""), doc.metadataJson().toStringUtf8());
            assertTrue(doc.metadataJson().toStringUtf8().contains("\"@source-etag\":\"" + masterEtag + "\""), doc.metadataJson().toStringUtf8());
            assertTrue(doc.metadataJson().toStringUtf8().contains("\"@collection\":\"People\""), doc.metadataJson().toStringUtf8());
            assertEquals(masterEtag, replica.lastAppliedFrom("A"));
            assertEquals(1, replica.query(new Query("People", List.of(), List.of(), 0, 10)).totalResults());
        }
    }

    @Test
    void applyReplicated_sameOrOverlappingBatchAgain_appliesNothingTwice() {
        for (int i = 0; i < 4; i++) {
            masterPut("people/" + i, "{\"i\":" + i + "}");
        }
        List<Change> feed = master.changesAfter(Etag.EMPTY, 10);
        try (LogStorage replica = openReplica()) {
            apply(replica, feed.subList(0, 2));
            Etag replicaLast = replica.lastEtag();
            assertEquals(feed.get(1).etag(), apply(replica, feed.subList(0, 2)));
            assertEquals(replicaLast, replica.lastEtag(), "a batch sent again issued etags");

            assertEquals(feed.get(3).etag(), apply(replica, feed.subList(1, 4)));
            assertEquals(4, replica.documentCount());
            assertEquals(4, replica.lastEtag().change(), "each master change stamped exactly once");
        }
    }

    @Test
    void applyReplicated_tombstone_deletesTheDocument_andIsSkippedWhenMissing() {
        masterPut("people/1", "{}");
        master.write(WriteBatch.builder().delete("people/1", null).put("people/2", null, "{}", null).build());
        master.write(WriteBatch.builder().delete("people/2", null).build());
        try (LogStorage replica = openReplica()) {
            replica.write(WriteBatch.builder().put("people/1", null, "{}", null).build());
            List<Change> feed = master.changesAfter(Etag.EMPTY, 10);
            assertTrue(feed.stream().allMatch(Change::deleted), feed.toString());
            apply(replica, feed);
            assertTrue(replica.get("people/1").isEmpty());
            assertEquals(0, replica.documentCount());
            assertEquals(2, replica.lastEtag().change(), "one local put, one tombstone; none for people/2");
            assertEquals(feed.get(feed.size() - 1).etag(), replica.lastAppliedFrom("A"));
        }
    }

    @Test
    void applyReplicated_isReadableWhileItsLogSyncRuns_butConfirmedOnlyAfterIt() throws Exception {
        Etag masterEtag = masterPut("people/1", "{\"name\":\"Oren\"}");
        try (LogStorage replica = openReplica()) {
            SyncGate gate = SyncGate.holdSyncsOf(replica);
            CompletableFuture<Etag> applied = replica.applyReplicatedAsync("A", master.changesAfter(Etag.EMPTY, 10));
            try {
                gate.awaitSync();
                assertEquals("{\"name\":\"Oren\"}", replica.get("people/1").orElseThrow().bodyJson().toStringUtf8(),
                        "already durable on the master: readable while the replica syncs");
                assertFalse(applied.isDone(), "confirmed before the replica's log record was synced");
            } finally {
                gate.open();
            }
            assertEquals(masterEtag, applied.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void applyReplicated_inAGroupWithAClientWrite_waitsForTheSyncLikeIt() throws Exception {
        masterPut("people/1", "{}");
        try (LogStorage replica = openReplica()) {
            SyncGate gate = SyncGate.holdSyncsOf(replica);
            CompletableFuture<?> first = replica.writeAsync(WriteBatch.builder().put("local/1", null, "{}", null).build());
            CompletableFuture<?> local;
            CompletableFuture<Etag> replicated;
            try {
                gate.awaitSync();
                assertTrue(replica.get("local/1").isEmpty(), "a client write was readable before its sync");
                // Both wait behind the first sync, so the writer takes them as one group.
                local = replica.writeAsync(WriteBatch.builder().put("local/2", null, "{}", null).build());
                replicated = replica.applyReplicatedAsync("A", master.changesAfter(Etag.EMPTY, 10));
                gate.releaseOne();
                gate.awaitSync();
                assertTrue(replica.get("local/1").isPresent());
                assertTrue(replica.get("local/2").isEmpty(), "a client write was readable before its sync");
                assertTrue(replica.get("people/1").isEmpty(), "part of a group was readable before the rest");
            } finally {
                gate.open();
            }
            first.get(10, TimeUnit.SECONDS);
            local.get(10, TimeUnit.SECONDS);
            replicated.get(10, TimeUnit.SECONDS);
            assertTrue(replica.get("people/1").isPresent());
            assertTrue(replica.get("local/2").isPresent());
        }
    }

    @Test
    void applyReplicated_nextBatchIsReadableWhileTheSyncBeforeItRuns_andConfirmationsKeepTheirOrder() throws Exception {
        masterPut("people/1", "{}");
        masterPut("people/2", "{}");
        List<Change> feed = master.changesAfter(Etag.EMPTY, 10);
        try (LogStorage replica = openReplica()) {
            SyncGate gate = SyncGate.holdSyncsOf(replica);
            CompletableFuture<Etag> first = replica.applyReplicatedAsync("A", feed.subList(0, 1));
            CompletableFuture<Etag> second;
            try {
                gate.awaitSync();
                second = replica.applyReplicatedAsync("A", feed.subList(1, 2));
                await().atMost(Duration.ofSeconds(10)).until(() -> replica.get("people/2").isPresent());
                assertFalse(first.isDone(), "confirmed before the replica's log record was synced");
                assertFalse(second.isDone(), "confirmed before the replica's log record was synced");
                assertEquals(0, replica.checkpointSeq(), "MapDB received a record before its log sync");

                gate.releaseOne();
                assertEquals(feed.get(0).etag(), first.get(10, TimeUnit.SECONDS));
                gate.awaitSync();
                assertFalse(second.isDone(), "confirmed with the sync of the batch before, not its own");
            } finally {
                gate.open();
            }
            assertEquals(feed.get(1).etag(), second.get(10, TimeUnit.SECONDS));
            assertEquals(feed.get(1).etag(), replica.lastAppliedFrom("A"));
        }
    }

    @Test
    void clientWrite_behindAReplicatedBatchStillSyncing_isSyncedOnlyAfterIt() throws Exception {
        masterPut("people/1", "{}");
        try (LogStorage replica = openReplica()) {
            SyncGate gate = SyncGate.holdSyncsOf(replica);
            CompletableFuture<Etag> replicated = replica.applyReplicatedAsync("A", master.changesAfter(Etag.EMPTY, 10));
            CompletableFuture<?> local;
            try {
                gate.awaitSync();
                local = replica.writeAsync(WriteBatch.builder().put("local/1", null, "{}", null).build());
                await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                        .until(() -> gate.begun() == 1 && !local.isDone() && replica.get("local/1").isEmpty());

                gate.releaseOne();
                assertNotNull(replicated.get(10, TimeUnit.SECONDS));
                gate.awaitSync();
                assertTrue(replica.get("local/1").isEmpty(), "a client write was readable before its sync");
                assertFalse(local.isDone(), "a client write was acknowledged before its sync");
            } finally {
                gate.open();
            }
            local.get(10, TimeUnit.SECONDS);
            assertTrue(replica.get("local/1").isPresent());
        }
    }

    @Test
    void applyReplicated_whoseLogSyncFails_isNotConfirmed_andStorageStopsTakingWrites() {
        masterPut("people/1", "{}");
        masterPut("people/2", "{}");
        List<Change> feed = master.changesAfter(Etag.EMPTY, 10);
        try (LogStorage replica = openReplica()) {
            replica.beforeLogSync(() -> {
                throw new UncheckedIOException(new IOException("disk unplugged"));
            });
            CompletableFuture<Etag> applied = replica.applyReplicatedAsync("A", feed.subList(0, 1));
            ExecutionException failed = assertThrows(ExecutionException.class, () -> applied.get(10, TimeUnit.SECONDS));
            assertInstanceOf(StorageUnavailableException.class, failed.getCause());

            // Refused when queued, or failed by the stopped writer: either way, not confirmed.
            Exception later = assertThrows(Exception.class,
                    () -> replica.applyReplicatedAsync("A", feed.subList(1, 2)).get(10, TimeUnit.SECONDS));
            assertInstanceOf(StorageUnavailableException.class, later instanceof ExecutionException ? later.getCause() : later);
            assertThrows(StorageUnavailableException.class,
                    () -> replica.write(WriteBatch.builder().put("local/1", null, "{}", null).build()));
            assertTrue(replica.get("local/1").isEmpty());
        }
    }

    /** Holds each log sync of a storage until the test lets it go. */
    private static final class SyncGate implements Runnable {
        private final Semaphore entered = new Semaphore(0);
        private final Semaphore permits = new Semaphore(0);

        private final AtomicInteger begun = new AtomicInteger();

        /** A gate that holds every log sync of {@code storage} from now on. */
        static SyncGate holdSyncsOf(LogStorage storage) {
            SyncGate gate = new SyncGate();
            storage.beforeLogSync(gate);
            return gate;
        }

        @Override
        public void run() {
            begun.incrementAndGet();
            entered.release();
            permits.acquireUninterruptibly();
        }

        /** How many syncs have begun so far. */
        int begun() {
            return begun.get();
        }

        /** Waits until the writer is about to force the log to disk. */
        void awaitSync() throws InterruptedException {
            assertTrue(entered.tryAcquire(10, TimeUnit.SECONDS), "no log sync began within 10 s");
        }

        void releaseOne() {
            permits.release();
        }

        /** Lets this and every later sync run. */
        void open() {
            permits.release(Integer.MAX_VALUE / 2);
        }
    }

    @Test
    void applyReplicated_outOfOrderOrEmpty_isRefused() {
        masterPut("a", "{}");
        masterPut("b", "{}");
        List<Change> feed = master.changesAfter(Etag.EMPTY, 10);
        try (LogStorage replica = openReplica()) {
            assertThrows(IllegalArgumentException.class,
                    () -> replica.applyReplicatedAsync("A", List.of(feed.get(1), feed.get(0))));
            assertThrows(IllegalArgumentException.class, () -> replica.applyReplicatedAsync("A", List.of()));
            assertNull(replica.lastAppliedFrom("A"));
            assertEquals(0, replica.documentCount());
        }
    }

    @Test
    void applyReplicated_tombstone_keepsWhereItCameFrom() {
        masterPut("people/1", "{}");
        try (LogStorage replica = openReplica()) {
            apply(replica, master.changesAfter(Etag.EMPTY, 10));
            Etag deleted = master.write(WriteBatch.builder().delete("people/1", null).build()).get(0).etag();
            apply(replica, master.changesAfter(replica.lastAppliedFrom("A"), 10));
            Change tombstone = replica.changesAfter(Etag.EMPTY, 10).get(0);
            assertTrue(tombstone.deleted());
            String metadata = tombstone.metadataJson().toStringUtf8();
            assertTrue(metadata.contains("\"@replication-source\":\"A\"") && metadata.contains("\"@source-etag\":\"" + deleted + "\""),
                    metadata);
        }
    }

    @Test
    void applyReplicated_through_movesTheProgressPastLeftOutChanges_withOrWithoutChanges() {
        masterPut("a", "{}");
        masterPut("b", "{}");
        Etag last = masterPut("c", "{}");
        List<Change> feed = master.changesAfter(Etag.EMPTY, 10);
        try (LogStorage replica = openReplica()) {
            assertEquals(feed.get(1).etag(), replica.applyReplicatedAsync("A", List.of(feed.get(0)), feed.get(1).etag()).join());
            assertEquals(1, replica.documentCount(), "b was left out: the replica holds it (the master says)");
            assertEquals(last, replica.applyReplicatedAsync("A", List.of(), last).join());
            assertEquals(last, replica.lastAppliedFrom("A"));
            assertEquals(1, replica.documentCount());
            assertThrows(IllegalArgumentException.class,
                    () -> replica.applyReplicatedAsync("A", List.of(feed.get(2)), feed.get(1).etag()), "through before the last change");
        }
    }

    @Test
    void applyReplicated_firstBatchOfASource_recordsWhereThisNodeBeganToFollowIt() {
        Etag first = masterPut("people/1", "{}");
        try (LogStorage replica = openReplica()) {
            replica.write(WriteBatch.builder().put("own/1", null, "{}", null).put("own/2", null, "{}", null).build());
            apply(replica, master.changesAfter(Etag.EMPTY, 10));
            String joined = Storage.joinedProgress(first.nodeTag());
            assertEquals(2, replica.lastAppliedFrom(joined).change(), "its own two changes came before");
            masterPut("people/2", "{}");
            apply(replica, master.changesAfter(first, 10));
            assertEquals(2, replica.lastAppliedFrom(joined).change(), "recorded once, at the first batch");
        }
    }

    @Test
    void crashImage_replaysChangesAndProgressTogether() throws IOException {
        for (int i = 0; i < 30; i++) {
            masterPut("people/" + i, "{\"i\":" + i + "}");
        }
        List<Change> feed = master.changesAfter(Etag.EMPTY, 100);
        Path live = dir.resolve("live");
        Path image = dir.resolve("image");
        Path cutBase = dir.resolve("cut-base");
        try (LogStorage replica = LogStorage.open(LogStorageTest.small(live), NEVER)) {
            for (int from = 0; from < feed.size(); from += 5) {
                apply(replica, feed.subList(from, from + 5));
            }
            CrashRecoveryTest.copy(live, image);
            CrashRecoveryTest.copy(live, cutBase);
        }
        try (LogStorage recovered = LogStorage.open(LogStorageTest.small(image))) {
            assertEquals(feed.get(29).etag(), recovered.lastAppliedFrom("A"));
            assertEquals(30, recovered.documentCount());
            apply(recovered, feed.subList(25, 30));
            assertEquals(30, recovered.lastEtag().change(), "replayed changes applied again");
        }

        // A crash in the middle of any record: the changes present are exactly those up to the
        // recorded progress, so a master resuming after it skips nothing and repeats nothing.
        long size = CrashRecoveryTest.endOfData(CrashRecoveryTest.onlySegment(cutBase.resolve("wal")));
        int recordsSeen = 0;
        for (long cut = 0; cut <= size + 97; cut += 97) {
            Path trial = dir.resolve("trial-" + cut);
            CrashRecoveryTest.copy(cutBase, trial);
            try (FileChannel ch = FileChannel.open(CrashRecoveryTest.onlySegment(trial.resolve("wal")),
                    StandardOpenOption.WRITE)) {
                ch.truncate(cut);
            }
            try (LogStorage recovered = LogStorage.open(LogStorageTest.small(trial))) {
                Etag progress = recovered.lastAppliedFrom("A");
                for (Change c : feed) {
                    boolean covered = progress != null && c.etag().compareTo(progress) <= 0;
                    assertEquals(covered, recovered.get(c.id()).isPresent(), c.id() + " at cut " + cut);
                }
                assertEquals(0, recovered.documentCount() % 5, "part of a batch at cut " + cut);
                recordsSeen = Math.max(recordsSeen, (int) recovered.documentCount() / 5);
            }
            CrashRecoveryTest.deleteTree(trial);
        }
        assertEquals(6, recordsSeen, "the uncut log holds every batch");
    }
}
