package dev.corvid.node.reliability;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.corvid.node.cli.ConsistencyReport;
import dev.corvid.node.storage.Etag;
import dev.corvid.testing.CorvidTestCluster;
import dev.corvid.node.wire.WireEtag;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.probe.MultiProcess;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A kill -9 history that recycles log segments many times: small segments and frequent
 * checkpoints make every round of load roll, retire and reuse segments, and the master and the
 * replicas are killed with {@code kill -9} and restarted while writers append tokens under
 * optimistic concurrency. Afterwards every acknowledged token is on the master and every replica,
 * none is invented or stored twice, and the master's etags went forward after every restart.
 * {@code scripts/soak-kill.sh} runs the same history with the default settings, for longer.
 */
@MultiProcess
class CrashHistoryTest {

    private static final int DOCUMENTS = 48;
    private static final int ROUNDS = 6;
    private static final String SMALL_LOG = "\"storage\": {\"logSegmentBytes\": 65536, \"checkpointEntries\": 300, "
            + "\"checkpointIntervalMillis\": 100}";

    @TempDir
    Path dir;

    @Test
    void killNineOfMasterAndReplicas_underLoad_losesNoAcknowledgedToken() throws Exception {
        try (CorvidTestCluster cluster = CorvidTestCluster.builder().directory(dir.resolve("cluster")).nodes(3)
                .config(SMALL_LOG).start()) {
            ManagedChannel master = channel(cluster, "A");
            Set<String> segmentsSeen = new TreeSet<>();
            boolean[] spareSeen = {false};
            TokenWriters writers = new TokenWriters(master, 4, DOCUMENTS);
            try {
                writers.start();
                for (int round = 1; round <= ROUNDS; round++) {
                    int before = writers.acknowledgedCount();
                    await("round " + round + ": 250 more tokens acknowledged (" + writers.summary() + ")")
                            .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                            .until(() -> writers.acknowledgedCount() >= before + 250);
                    String victim = round % 3 == 0 ? (round % 2 == 0 ? "B" : "C") : "A";
                    if (victim.equals("A")) {
                        sampleLog(cluster.dataDir("A").resolve("wal"), segmentsSeen, spareSeen);
                    }
                    long highest = writers.highestAcknowledgedChange();
                    cluster.kill(victim);
                    cluster.restart(victim);
                    if (victim.equals("A")) {
                        Etag next = probeWrite(master, round);
                        assertTrue(next.change() > highest, "round " + round + ": the master's etag " + next
                                + " after its restart is not after " + highest + ", acknowledged before the kill");
                    }
                }
            } finally {
                writers.close();
            }
            Set<String> onMaster = TokenWriters.stored(master, DOCUMENTS);
            assertNoneMissingNoneInvented(writers, onMaster, "master");
            ConsistencyReport report = cluster.checkConsistency(Duration.ofSeconds(60));
            assertTrue(report.consistent(), report.summary());
            for (String replica : new String[] {"B", "C"}) {
                ManagedChannel channel = channel(cluster, replica);
                try {
                    assertEquals(onMaster, TokenWriters.stored(channel, DOCUMENTS), "replica " + replica);
                } finally {
                    channel.shutdownNow();
                }
            }
            master.shutdownNow();
            System.out.printf("crash history: %d kills (master and replicas), %s; %d segments seen; every "
                    + "acknowledged token on A, B and C%n", ROUNDS, writers.summary(), segmentsSeen.size());
            // Each kill of the master found other segments than the one before, a recycled one among them.
            assertTrue(segmentsSeen.size() >= ROUNDS / 2, "the history should roll many log segments: " + segmentsSeen);
            assertTrue(spareSeen[0], "no spare segment was prepared");
        }
    }

    private static void assertNoneMissingNoneInvented(TokenWriters writers, Set<String> stored, String node) {
        Set<String> missing = new HashSet<>(writers.acknowledged());
        missing.removeAll(stored);
        assertTrue(missing.isEmpty(), missing.size() + " acknowledged tokens missing on " + node + ", e.g. "
                + missing.stream().limit(5).toList() + "; " + writers.summary());
        Set<String> invented = new HashSet<>(stored);
        invented.removeAll(writers.sent());
        assertTrue(invented.isEmpty(), "tokens nobody sent on " + node + ": " + invented.stream().limit(5).toList());
    }

    private static Etag probeWrite(ManagedChannel master, int round) {
        return WireEtag.etag(DocumentsGrpc.newBlockingStub(master).withWaitForReady().withDeadlineAfter(30, TimeUnit.SECONDS)
                .put(PutRequest.newBuilder().setPut(PutCommand.newBuilder().setId("probes/" + round)
                        .setBodyJson(ByteString.copyFromUtf8("{\"round\":" + round + "}"))).build())
                .getResults(0).getEtag());
    }

    private static void sampleLog(Path wal, Set<String> segments, boolean[] spareSeen) throws IOException {
        try (Stream<Path> files = Files.list(wal)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                if (name.matches("\\d{20}\\.wal")) {
                    segments.add(name);
                } else if (name.startsWith("spare.wal")) {
                    spareSeen[0] = true;
                }
            }
        }
    }

    private static ManagedChannel channel(CorvidTestCluster cluster, String node) {
        return NettyChannelBuilder.forTarget(cluster.address(node)).usePlaintext().maxInboundMessageSize(64 << 20).build();
    }
}
