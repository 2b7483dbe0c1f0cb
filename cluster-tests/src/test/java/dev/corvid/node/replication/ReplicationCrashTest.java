package dev.corvid.node.replication;

import com.google.protobuf.ByteString;
import static dev.corvid.node.replication.ClusterClient.sourceEtag;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.node.storage.Etag;
import dev.corvid.testing.CorvidTestCluster;
import dev.corvid.node.wire.WireEtag;
import dev.corvid.proto.GetResult;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.probe.MultiProcess;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} of a replica, then of the master, while the master takes writes and streams them:
 * after a restart every replica converges on exactly the master's documents, each applied once.
 *
 * <p>"Once" is checked through etags: each node stamps every change it applies with the next number
 * of its change counter, and every write here creates a new document, so a replica's counter grows
 * by exactly the number of documents it received; a change applied twice would show as one more.
 */
@MultiProcess
class ReplicationCrashTest {

    private static final Duration DEADLINE = Duration.ofSeconds(90);
    private static final int WRITERS = 8;
    private static final List<String> REPLICAS = List.of("B", "C");

    @TempDir
    static Path dir;
    static CorvidTestCluster cluster;
    static ClusterClient client;

    @BeforeAll
    static void startCluster() {
        cluster = CorvidTestCluster.builder().directory(dir).nodes(3).start();
        client = new ClusterClient(cluster);
    }

    @AfterAll
    static void stopCluster() {
        client.close();
        cluster.close();
    }

    @Test
    void replicaKilledMidStream_thenRestarted_convergesWithNothingMissingOrTwice() throws Exception {
        client.awaitReplicasCaughtUp(DEADLINE);
        Map<String, Long> stampedBefore = stamped();
        long appliedBefore = lastAppliedChange("B");
        try (Load load = new Load("replica-kill")) {
            load.awaitAcknowledged(1500);
            await("B applying the stream").atMost(DEADLINE).until(() -> lastAppliedChange("B") > appliedBefore + 500);
            cluster.kill("B");
            load.awaitAcknowledged(load.acknowledged() + 1500);
            cluster.restart("B");
            load.awaitAcknowledged(load.acknowledged() + 500);
            load.stop();
            assertConverged(load, stampedBefore);
        }
    }

    @Test
    void masterKilledMidStream_thenRestarted_convergesWithNothingMissingOrTwice() throws Exception {
        client.awaitReplicasCaughtUp(DEADLINE);
        Map<String, Long> stampedBefore = stamped();
        long appliedBefore = lastAppliedChange("B");
        try (Load load = new Load("master-kill")) {
            load.awaitAcknowledged(2000);
            await("replicas applying the stream").atMost(DEADLINE)
                    .until(() -> lastAppliedChange("B") > appliedBefore + 500);
            cluster.kill("A");
            load.stop();
            cluster.restart("A");
            assertConverged(load, stampedBefore);
        }
        Etag after = client.putMany("after-master-kill", 0, 1, "{}").get(0);
        for (String replica : REPLICAS) {
            await("a write after the restart on " + replica).atMost(DEADLINE).ignoreExceptions()
                    .until(() -> sourceEtag(client.get(replica, List.of("after-master-kill/0")).get(0)).equals(after));
        }
    }

    private static Map<String, Long> stamped() {
        Map<String, Long> stamped = new ConcurrentHashMap<>();
        REPLICAS.forEach(r -> stamped.put(r, client.changesStamped(r)));
        return stamped;
    }

    private static long lastAppliedChange(String replica) {
        ByteString last = client.stats(replica).getLastAppliedMasterEtag();
        return last.isEmpty() ? 0 : WireEtag.etag(last).change();
    }

    /**
     * Every document the load tried to write is on each replica exactly as on the master (an attempt
     * cut by the kill may or may not be on the master; the replicas must agree with it either way),
     * and each replica stamped exactly one change per document it received.
     */
    private static void assertConverged(Load load, Map<String, Long> stampedBefore) {
        client.awaitReplicasCaughtUp(DEADLINE);
        List<String> ids = load.attempted();
        List<GetResult> onMaster = client.get("A", ids);
        int present = 0;
        for (int i = 0; i < ids.size(); i++) {
            GetResult m = onMaster.get(i);
            if (m.getFound()) {
                present++;
            }
            Etag acknowledged = load.etag(ids.get(i));
            if (acknowledged != null) {
                assertTrue(m.getFound(), "acknowledged write lost on the master: " + ids.get(i));
                assertEquals(acknowledged, WireEtag.etag(m.getDocument().getEtag()));
            }
        }
        for (String replica : REPLICAS) {
            List<GetResult> docs = client.get(replica, ids);
            for (int i = 0; i < ids.size(); i++) {
                GetResult m = onMaster.get(i);
                GetResult r = docs.get(i);
                assertEquals(m.getFound(), r.getFound(), ids.get(i) + " on " + replica);
                if (m.getFound()) {
                    assertEquals(WireEtag.etag(m.getDocument().getEtag()), sourceEtag(r), ids.get(i) + " on " + replica);
                }
            }
            assertEquals(present, client.changesStamped(replica) - stampedBefore.get(replica),
                    "changes stamped on " + replica + " for " + present + " new documents");
        }
        System.out.printf("%s: %d documents on the master, the same on %s, each applied once%n",
                load.prefix, present, REPLICAS);
    }

    /** {@value #WRITERS} threads putting new ~1 KB documents on the master until stopped or it dies. */
    private static final class Load implements AutoCloseable {
        private final String prefix;
        private final ManagedChannel channel;
        private final ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
        private final AtomicBoolean stop = new AtomicBoolean();
        private final Map<String, Etag> acknowledged = new ConcurrentHashMap<>();
        private final AtomicInteger[] next = new AtomicInteger[WRITERS];

        Load(String prefix) {
            this.prefix = prefix;
            this.channel = NettyChannelBuilder.forTarget(cluster.address("A")).usePlaintext().build();
            String body = "{\"bio\":\"" + "x".repeat(1000) + "\"}";
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                next[w] = new AtomicInteger();
                writers.submit(() -> {
                    var docs = dev.corvid.proto.DocumentsGrpc.newBlockingStub(channel);
                    while (!stop.get()) {
                        String id = prefix + "/" + writer + "-" + next[writer].get();
                        try {
                            ByteString etag = docs.withDeadlineAfter(10, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                                    .setPut(PutCommand.newBuilder().setId(id).setBodyJson(ByteString.copyFromUtf8(body))
                                            .setExpectedEtag(WireEtag.bytes(Etag.EMPTY))).build())
                                    .getResults(0).getEtag();
                            acknowledged.put(id, WireEtag.etag(etag));
                        } catch (RuntimeException e) {
                            next[writer].incrementAndGet(); // landed or not: never retry the same id
                            return;
                        }
                        next[writer].incrementAndGet();
                    }
                });
            }
        }

        int acknowledged() {
            return acknowledged.size();
        }

        void awaitAcknowledged(int count) {
            await(prefix + ": " + count + " writes acknowledged").atMost(DEADLINE).until(() -> acknowledged.size() >= count);
        }

        Etag etag(String id) {
            return acknowledged.get(id);
        }

        /** Every id a writer has tried, acknowledged or not. */
        List<String> attempted() {
            List<String> ids = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                for (int i = 0; i < next[w].get(); i++) {
                    ids.add(prefix + "/" + w + "-" + i);
                }
            }
            return ids;
        }

        void stop() throws InterruptedException {
            stop.set(true);
            writers.shutdown();
            assertTrue(writers.awaitTermination(30, TimeUnit.SECONDS));
        }

        /** Stops the writers, if {@link #stop} has not, and closes the channel; an interrupt stays set for the caller. */
        @Override
        public void close() {
            try {
                stop();
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
