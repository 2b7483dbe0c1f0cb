package dev.corvid.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corvid.node.cli.ConsistencyReport;
import dev.corvid.testing.CorvidTestCluster;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResult;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.ReplicaStatus;
import dev.corvid.proto.StatsRequest;
import dev.corvid.probe.MultiProcess;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replication consistency suite, on real node processes ({@link CorvidTestCluster}: A master, B and
 * C replicas). Writers put, conditionally update and delete documents through the client while, in
 * turn, replica B is killed (-9) and restarted, master A is killed and restarted, and replica C is
 * paused (SIGSTOP) until the master sees it seconds behind, then resumed. Afterwards, once the
 * replicas have caught up:
 * <ul>
 *   <li>the consistency check (digest listings: ids and body hashes, tombstones included) passes;</li>
 *   <li>every id's state on the master is what the last write the clients saw acknowledged left,
 *       or what a later write with an unknown outcome (cut by the master's death) left, never an
 *       older state: nothing acknowledged is lost;</li>
 *   <li>every live body is exactly one a client sent for that id: no update that no client made;</li>
 *   <li>every replica holds the same state as the master for every id.</li>
 * </ul>
 * Each writer owns its ids, so the operations on one id form a sequence and "the last
 * acknowledged write" is well defined.
 */
@MultiProcess
class ReplicationConsistencyTest {

    private static final int WRITERS = 4;
    private static final int IDS_PER_WRITER = 25;
    private static final Duration STEP = Duration.ofSeconds(45);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void writesDuringKillsAndPauses_leaveEveryReplicaEqualToTheMaster_andLoseNothingAcknowledged() throws Exception {
        long started = System.nanoTime();
        try (CorvidTestCluster cluster = CorvidTestCluster.builder().directory(dir.resolve("cluster")).nodes(3).start();
             LagMonitor lag = new LagMonitor(cluster.address("A"));
             DocumentStore store = new DocumentStore(cluster.address("A"), cluster.address("B"), cluster.address("C"))) {
            store.getConventions().setTopologyCacheDirectory(dir.resolve("topology"));
            store.initialize();
            WriteLog log = new WriteLog();
            AtomicBoolean running = new AtomicBoolean(true);
            List<Thread> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                ConsistencyWriter writer = new ConsistencyWriter(store, w, IDS_PER_WRITER, log, running);
                Thread t = new Thread(writer, "writer-" + w);
                t.start();
                writers.add(t);
            }

            awaitAcknowledged(log, 300, "writes flowing before any failure");
            cluster.kill("B");
            awaitAcknowledged(log, 200, "writes while replica B is dead");
            cluster.restart("B");
            awaitAcknowledged(log, 100, "writes after replica B is back");

            long refusedBefore = log.refused();
            cluster.kill("A");
            await("writes refused while master A is dead").atMost(STEP).pollInterval(Duration.ofMillis(20))
                    .until(() -> log.refused() - refusedBefore >= 20 && log.readsDuringOutage() > 0);
            cluster.restart("A");
            awaitAcknowledged(log, 300, "writes after master A is back");

            // The restarted master knows how far C is only once C has answered its new stream.
            await("the restarted master hears from replica C").atMost(STEP).pollInterval(Duration.ofMillis(50))
                    .until(() -> lag.knows("C"));
            cluster.pause("C");
            try {
                await("master sees paused replica C over 2 s behind").atMost(STEP).pollInterval(Duration.ofMillis(50))
                        .until(() -> lag.lagMillis("C") >= 2_000);
            } finally {
                cluster.resume("C");
            }
            awaitAcknowledged(log, 100, "writes after replica C resumed");

            running.set(false);
            for (Thread t : writers) {
                t.join(TimeUnit.SECONDS.toMillis(30));
                assertTrue(!t.isAlive(), t.getName() + " did not stop");
            }

            ConsistencyReport report = cluster.checkConsistency(Duration.ofSeconds(30));
            System.out.print(report.summary());
            assertTrue(report.consistent(), report.summary());

            Map<String, Map<String, JsonNode>> states = new HashMap<>();
            for (String node : cluster.nodes()) {
                states.put(node, read(cluster.address(node), log.ids()));
            }
            int superseded = 0;
            for (String id : log.ids()) {
                JsonNode onMaster = states.get("A").get(id);
                WriteLog.Verdict verdict = log.verdict(id, onMaster);
                assertTrue(verdict.allowed(), verdict.explanation());
                superseded += verdict.byUnknownWrite() ? 1 : 0;
                for (String replica : List.of("B", "C")) {
                    assertEquals(onMaster, states.get(replica).get(id), id + " on replica " + replica + " vs master");
                }
            }
            System.out.printf("replication consistency: %d writes attempted, %d acknowledged, %d conflicts caught, "
                            + "%d refused while the master was down, %d with unknown outcome (%d ids left at such a write), "
                            + "%d reads served by replicas meanwhile; kills: replica B, master A; pause: replica C; "
                            + "max lag seen: %s; %d ids checked on 3 nodes in %.1f s%n",
                    log.attempted(), log.acknowledged(), log.conflicts(), log.refused(), log.unknown(), superseded,
                    log.readsDuringOutage(), lag.describeMax(), log.ids().size(),
                    (System.nanoTime() - started) / 1e9);
        }
    }

    private static void awaitAcknowledged(WriteLog log, int more, String what) {
        long target = log.acknowledged() + more;
        await(what).atMost(STEP).pollInterval(Duration.ofMillis(20)).until(() -> log.acknowledged() >= target);
    }

    /** Each id's body on one node (raw, no failover), or no entry when it is missing or deleted. */
    private static Map<String, JsonNode> read(String address, List<String> ids) throws Exception {
        ManagedChannel channel = NettyChannelBuilder.forTarget(address).usePlaintext().build();
        try {
            List<GetResult> results = DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .get(GetRequest.newBuilder().addAllIds(ids).build()).getResultsList();
            Map<String, JsonNode> out = new HashMap<>();
            for (int i = 0; i < ids.size(); i++) {
                if (results.get(i).getFound()) {
                    out.put(ids.get(i), JSON.readTree(results.get(i).getDocument().getBodyJson().toStringUtf8()));
                }
            }
            return out;
        } finally {
            channel.shutdownNow();
        }
    }

    /** Polls the master's stats and keeps the largest lag it reported per replica. */
    private static final class LagMonitor implements AutoCloseable {
        private final ManagedChannel channel;
        private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor();
        private final Map<String, Long> lagMillis = new ConcurrentHashMap<>();
        private final Map<String, Long> maxLagMillis = new ConcurrentHashMap<>();
        private final Map<String, Long> maxBehind = new ConcurrentHashMap<>();
        private final java.util.Set<String> known = ConcurrentHashMap.newKeySet();

        LagMonitor(String master) {
            channel = NettyChannelBuilder.forTarget(master).usePlaintext().build();
            poller.scheduleWithFixedDelay(this::poll, 0, 100, TimeUnit.MILLISECONDS);
        }

        private void poll() {
            try {
                channel.resetConnectBackoff(); // the master may just have been restarted
                NodeStats stats = DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.SECONDS)
                        .stats(StatsRequest.getDefaultInstance());
                for (ReplicaStatus r : stats.getReplicasList()) {
                    if (r.hasLagMs() && r.getConnected()) {
                        known.add(r.getName());
                    } else {
                        known.remove(r.getName());
                    }
                    if (r.hasLagMs()) {
                        lagMillis.put(r.getName(), r.getLagMs());
                        maxLagMillis.merge(r.getName(), r.getLagMs(), Math::max);
                    }
                    if (r.hasChangesBehind()) {
                        maxBehind.merge(r.getName(), r.getChangesBehind(), Math::max);
                    }
                }
            } catch (RuntimeException e) {
                // master down: nothing to record
            }
        }

        /** Whether the master's last answer held the replica's lag (it has heard from the replica). */
        boolean knows(String replica) {
            return known.contains(replica);
        }

        long lagMillis(String replica) {
            return lagMillis.getOrDefault(replica, 0L);
        }

        String describeMax() {
            List<String> parts = new ArrayList<>();
            for (String r : List.of("B", "C")) {
                parts.add(r + " " + maxLagMillis.getOrDefault(r, 0L) + " ms / " + maxBehind.getOrDefault(r, 0L) + " changes");
            }
            return String.join(", ", parts);
        }

        @Override
        public void close() {
            poller.shutdownNow();
            channel.shutdownNow();
        }
    }
}
