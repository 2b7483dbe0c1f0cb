package dev.corvid.node.replication;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.corvid.node.cli.ConsistencyReport;
import dev.corvid.testing.CorvidTestCluster;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.ClusterGrpc;
import dev.corvid.proto.Command;
import dev.corvid.proto.PromoteRequest;
import dev.corvid.proto.PromoteResponse;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.probe.MultiProcess;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Promotion on real node processes whose master a Raft group decides: planned (the master hands
 * over), forced after {@code kill -9} of the master (the old master's writes no other node had
 * come back when it returns), each replica resuming where its data matches the new master's, and
 * fencing of a master paused past its lease. Automatic promotion after {@code kill -9}, again and
 * again under client writes, is the client's {@code MasterKillHistoryTest}.
 */
@MultiProcess
class PromotionTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private static PutCommand put(String id, String body) {
        return PutCommand.newBuilder().setId(id).setMetadataJson(ByteString.copyFromUtf8("{\"@collection\":\"Things\"}"))
                .setBodyJson(ByteString.copyFromUtf8(body)).build();
    }

    private static void putMany(ClusterClient c, String node, String prefix, int count) {
        BatchRequest.Builder batch = BatchRequest.newBuilder();
        for (int i = 0; i < count; i++) {
            batch.addCommands(Command.newBuilder().setPut(put(prefix + "/" + i, "{\"n\":" + i + "}")));
        }
        c.docs(node).batch(batch.build());
    }

    private static PromoteResponse promote(ClusterClient c, String via, String node, boolean force) {
        return ClusterGrpc.newBlockingStub(c.channel(via)).withDeadlineAfter(30, TimeUnit.SECONDS)
                .promote(PromoteRequest.newBuilder().setNode(node).setForce(force).build());
    }

    private static void awaitMaster(ClusterClient c, CorvidTestCluster cluster, String master, long epoch, List<String> nodes) {
        for (String n : nodes) {
            await(n + " knows " + master + " is master of epoch " + epoch).atMost(DEADLINE).pollInterval(Duration.ofMillis(50))
                    .ignoreException(StatusRuntimeException.class)
                    .until(() -> c.topology(n).getEpoch() == epoch && c.topology(n).getMaster().getName().equals(master));
        }
    }

    /** Puts on {@code node} until it takes the write (it may first wait out its predecessor's lease). */
    private static void awaitWritable(ClusterClient c, String node, String id) {
        await(node + " takes writes").atMost(DEADLINE).pollInterval(Duration.ofMillis(50))
                .ignoreException(StatusRuntimeException.class)
                .until(() -> c.docs(node).put(PutRequest.newBuilder().setPut(put(id, "{}")).build()).getResultsCount() == 1);
    }

    private static boolean consistent(CorvidTestCluster cluster) throws InterruptedException {
        ConsistencyReport r = cluster.checkConsistency(Duration.ofSeconds(5));
        return r.consistent();
    }

    /** Documents written before the first promotion: a replica re-sent them all would stamp as many again. */
    private static final int BEFORE = 200;

    /**
     * {@code node} stamped {@code expected} changes since {@code before}: what it lacked, not all it
     * has again. Up to two more: a write retried after its node refused to acknowledge it may reach
     * a replica twice. (A paused node may still have got a batch sent before the pause: its kernel
     * buffered it; hence a range where that decides.)
     */
    private static void assertResumed(ClusterClient c, String node, long before, int expected) {
        assertResumed(c, node, before, expected, expected);
    }

    private static void assertResumed(ClusterClient c, String node, long before, int least, int most) {
        long stamped = c.changesStamped(node) - before;
        assertTrue(stamped >= least && stamped <= most + 2, node + " stamped " + stamped + " changes, expected " + least
                + (most == least ? "" : " to " + most) + ": only what it lacked of the new master's feed (a full re-sync"
                + " applies " + BEFORE + " more)");
    }

    @Test
    void plannedPromotion_handsOver_thenForcedPromotionAfterKill9_andTheOldMastersExtraWritesComeBack() throws Exception {
        try (CorvidTestCluster cluster = CorvidTestCluster.builder().directory(dir.resolve("manual")).nodes(3).failover("manual").start();
             ClusterClient c = new ClusterClient(cluster)) {
            putMany(c, "A", "before", BEFORE);
            c.awaitReplicasCaughtUp(DEADLINE);
            long stampedByA = c.changesStamped("A");
            long stampedByC = c.changesStamped("C");

            // Planned, asked of a replica: A hands over to B; everything A acknowledged is on B.
            PromoteResponse planned = promote(c, "C", "B", false);
            assertTrue(planned.getPromoted(), planned.toString());
            assertEquals(2, planned.getEpoch());
            awaitMaster(c, cluster, "B", 2, List.of("A", "B", "C"));
            for (int i = 0; i < BEFORE; i += 7) {
                assertTrue(c.get("B", List.of("before/" + i)).get(0).getFound(), "before/" + i + " on B");
            }
            StatusRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                    () -> c.docs("A").put(PutRequest.newBuilder().setPut(put("to-a", "{}")).build()));
            assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode(), refused.getStatus().toString());
            awaitWritable(c, "B", "after-planned");
            await("A and C follow B").atMost(DEADLINE).until(() -> consistent(cluster));
            // They resumed where their data matched B's: neither got the documents it had again.
            assertResumed(c, "A", stampedByA, 1);
            assertResumed(c, "C", stampedByC, 1);
            long stampedByB = c.changesStamped("B");
            stampedByC = c.changesStamped("C");

            // B takes writes only it has, then is killed: a forced promotion of A, and B's extra
            // writes come back when it returns as a replica. A and C are killed, not paused, before
            // B writes: a paused node's kernel would buffer what B streams and hand it over on
            // resume, so whether they had B's writes would be a race. B acknowledges the batch
            // within the lease it holds from its last renewal.
            cluster.kill("A");
            cluster.kill("C");
            putMany(c, "B", "only-on-b", 10);
            cluster.kill("B");
            cluster.launchOnly("A");
            cluster.launchOnly("C");
            PromoteResponse forced = await("a majority for the forced promotion").atMost(DEADLINE)
                    .ignoreException(StatusRuntimeException.class)
                    .until(() -> promote(c, "A", "A", true), PromoteResponse::getPromoted);
            assertEquals(3, forced.getEpoch(), forced.toString());
            awaitMaster(c, cluster, "A", 3, List.of("A", "C"));
            awaitWritable(c, "A", "after-forced");
            cluster.restart("B");
            awaitMaster(c, cluster, "A", 3, List.of("B"));
            for (String node : List.of("A", "B", "C")) {
                await("B's extra writes reach " + node).atMost(DEADLINE).pollInterval(Duration.ofMillis(100))
                        .until(() -> c.get(node, List.of("only-on-b/0", "only-on-b/9")).stream().allMatch(r -> r.getFound()));
            }
            await("every node equals the master").atMost(DEADLINE).until(() -> consistent(cluster));
            assertFalse(ClusterClient.metadata(c.get("A", List.of("only-on-b/3")).get(0)).has("@conflict"));
            // C got B's ten from A after B handed them back, and A's write; B got A's write, and
            // A's versions of its own ten when A streams them back to it.
            assertResumed(c, "C", stampedByC, 11, 11);
            assertResumed(c, "B", stampedByB + 10, 1, 11);
        }
    }

    @Test
    void aMasterPausedLongerThanItsLease_isReplaced_acknowledgesNothingAfterIt_andLosesNoAcknowledgedWrite() throws Exception {
        try (CorvidTestCluster cluster = CorvidTestCluster.builder().directory(dir.resolve("fencing")).nodes(3).failover("automatic").start();
             ClusterClient c = new ClusterClient(cluster)) {
            putMany(c, "A", "warm", 10);
            c.awaitReplicasCaughtUp(DEADLINE);
            java.util.Set<String> acknowledged = java.util.concurrent.ConcurrentHashMap.newKeySet();
            java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
            java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
            List<Thread> writers = new java.util.ArrayList<>();
            for (int w = 0; w < 4; w++) {
                Thread t = new Thread(() -> {
                    while (running.get()) {
                        String id = "load/" + next.getAndIncrement();
                        try {
                            dev.corvid.proto.DocumentsGrpc.newBlockingStub(c.channel("A")).withDeadlineAfter(2, TimeUnit.SECONDS)
                                    .put(PutRequest.newBuilder().setPut(put(id, "{}")).build());
                            acknowledged.add(id);
                        } catch (StatusRuntimeException e) {
                            // refused, timed out, or not acknowledged: its outcome is unknown, nothing to check
                        }
                    }
                }, "writer-" + w);
                t.start();
                writers.add(t);
            }
            await("writes acknowledged before the pause").atMost(DEADLINE).until(() -> acknowledged.size() >= 50);
            cluster.pause("A");
            String next2 = await("a new master while A is paused").atMost(DEADLINE).pollInterval(Duration.ofMillis(20))
                    .ignoreException(StatusRuntimeException.class)
                    .until(() -> c.topology("B").getMaster().getName(), m -> !m.equals("A"));
            awaitWritable(c, next2, "written-while-A-paused");
            int beforeResume = acknowledged.size();
            cluster.resume("A");
            awaitMaster(c, cluster, next2, c.topology(next2).getEpoch(), List.of("A"));
            running.set(false);
            for (Thread t : writers) {
                t.join(10_000);
            }
            await("every node equals the new master").atMost(DEADLINE).until(() -> consistent(cluster));
            for (String id : acknowledged) {
                assertTrue(c.get(next2, List.of(id)).get(0).getFound(), id + " was acknowledged and is gone");
            }
            System.out.printf("fencing: %d writes acknowledged (%d before A was resumed), all on the new master %s%n",
                    acknowledged.size(), beforeResume, next2);
        }
    }
}
