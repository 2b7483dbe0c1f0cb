package dev.corvid.node.reliability;

import static dev.corvid.node.testing.LogFiles.endOfData;
import static dev.corvid.node.testing.LogFiles.flip;
import static dev.corvid.node.testing.LogFiles.lastSeq;
import static dev.corvid.node.testing.LogFiles.newestSegmentWithData;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.corvid.node.cli.Admin;
import dev.corvid.node.cli.ConsistencyReport;
import dev.corvid.testing.CorvidTestCluster;
import dev.corvid.proto.ClusterTopology;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.TopologyRequest;
import dev.corvid.probe.MultiProcess;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A master's write-ahead log damaged while it was down (killed with {@code kill -9}), on a real
 * cluster: a flipped byte in the middle refuses to start, naming the file and the offset, and
 * changes nothing; the documented way back brings it up; a torn last record is cut and nothing
 * acknowledged is lost; a replica whose log is damaged is wiped and copies everything again. One
 * cluster for the class: each test leaves it consistent.
 */
@MultiProcess
class LogCorruptionTest {

    private static final int DOCS = 200;

    @TempDir
    static Path dir;
    private static CorvidTestCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = CorvidTestCluster.builder().directory(dir.resolve("cluster")).nodes(3).start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void flippedByteInTheMiddleOfTheMastersLog_refusesToStart_namingFileAndOffset_andChangesNothing() throws Exception {
        writeDocs(cluster, "mid");
        cluster.kill("A");
        Path segment = newestSegmentWithData(cluster.dataDir("A").resolve("wal"));
        long end = endOfData(segment);
        long offset = end / 3;
        flip(segment, offset);
        byte[] damaged = Files.readAllBytes(segment);

        cluster.launchOnly("A");
        assertNotEquals(0, cluster.awaitExit("A", Duration.ofSeconds(60)), "the master started on a corrupt log");
        String log = Files.readString(cluster.log("A"));
        assertTrue(log.contains("is corrupt") && log.contains(segment.toString()) && log.contains("at byte"),
                cluster.logTail("A", 20));
        assertArrayEquals(damaged, Files.readAllBytes(segment), "refusing to start changed the log");

        // docs/reliability.md, "A node that refuses to start", master: accept losing what follows
        // the damage on this node, and cut the log there.
        assertEquals(0, new CommandLine(new Admin()).execute("repair-log", "--config", cluster.config().toString(),
                "--node", "A"));
        assertArrayEquals(damaged, Files.readAllBytes(onlyQuarantine(cluster.dataDir("A")).resolve(segment.getFileName())));
        cluster.launchOnly("A");
        cluster.awaitHealthy("A");
        ManagedChannel master = channel(cluster, "A");
        try {
            put(master, "mid-after/1");
            assertEquals(1, found(master, List.of("mid-after/1")));
        } finally {
            master.shutdownNow();
        }
        // The replicas hold writes the master lost: reported diverged, never caught up ...
        await("B and C reported diverged").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .ignoreExceptions().until(() -> topology(cluster, "A").getReplicasList().stream()
                        .allMatch(r -> r.hasDiverged() && !r.hasChangesBehind()));
        // ... and re-seeding them makes the cluster one again.
        for (String replica : List.of("B", "C")) {
            wipe(replica);
        }
        ConsistencyReport report = cluster.checkConsistency(Duration.ofSeconds(60));
        assertTrue(report.consistent(), report.summary());
    }

    @Test
    void tornLastRecordOfTheMaster_isCut_andNothingAcknowledgedIsLost() throws Exception {
        List<String> ids = writeDocs(cluster, "torn");
        cluster.kill("A");
        Path segment = newestSegmentWithData(cluster.dataDir("A").resolve("wal"));
        long end = endOfData(segment);
        // What a crash in the middle of writing the next record leaves: its header and a part of it.
        ByteBuffer torn = ByteBuffer.allocate(40).putInt(400).putInt(0x1234567).putLong(lastSeq(segment) + 1);
        torn.put(new byte[] {7, 7, 7, 7, 7, 7, 7, 7, 7, 7}).flip();
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.write(torn, end);
        }
        cluster.restart("A");
        ManagedChannel master = channel(cluster, "A");
        try {
            assertEquals(ids.size(), found(master, ids), "acknowledged documents lost");
            put(master, "torn-after/1");
        } finally {
            master.shutdownNow();
        }
        ConsistencyReport report = cluster.checkConsistency(Duration.ofSeconds(60));
        assertTrue(report.consistent(), report.summary());
    }

    @Test
    void damagedReplicaLog_refusesToStart_andAWipedReplicaCopiesEverythingAgain() throws Exception {
        List<String> ids = writeDocs(cluster, "replica");
        ConsistencyReport before = cluster.checkConsistency(Duration.ofSeconds(60));
        assertTrue(before.consistent(), before.summary());
        cluster.kill("B");
        Path segment = newestSegmentWithData(cluster.dataDir("B").resolve("wal"));
        flip(segment, endOfData(segment) / 2);
        cluster.launchOnly("B");
        assertNotEquals(0, cluster.awaitExit("B", Duration.ofSeconds(60)));
        assertTrue(Files.readString(cluster.log("B")).contains("is corrupt"), cluster.logTail("B", 20));

        wipe("B");
        ConsistencyReport after = cluster.checkConsistency(Duration.ofSeconds(60));
        assertTrue(after.consistent(), after.summary());
        ManagedChannel replica = channel(cluster, "B");
        try {
            assertEquals(ids.size(), found(replica, ids));
        } finally {
            replica.shutdownNow();
        }
    }

    /** docs/reliability.md, replica: stop it, move its data directory aside, start it empty. */
    private static void wipe(String replica) throws IOException {
        cluster.kill(replica);
        Files.move(cluster.dataDir(replica), dir.resolve(replica + "-aside-" + System.nanoTime()));
        cluster.launchOnly(replica);
        cluster.awaitHealthy(replica);
        await(replica + " re-seeding, no longer diverged").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .ignoreExceptions().until(() -> topology(cluster, "A").getReplicasList().stream()
                        .filter(r -> r.getName().equals(replica)).allMatch(r -> r.getConnected() && !r.hasDiverged()));
    }

    // --- helpers ---

    /** {@value #DOCS} documents, one put (one log record) each, acknowledged by the master. */
    private static List<String> writeDocs(CorvidTestCluster cluster, String prefix) {
        ManagedChannel master = channel(cluster, "A");
        try {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < DOCS; i++) {
                put(master, prefix + "/" + i);
                ids.add(prefix + "/" + i);
            }
            return ids;
        } finally {
            master.shutdownNow();
        }
    }

    private static void put(ManagedChannel channel, String id) {
        DocumentsGrpc.newBlockingStub(channel).withWaitForReady().withDeadlineAfter(30, TimeUnit.SECONDS)
                .put(PutRequest.newBuilder().setPut(PutCommand.newBuilder().setId(id)
                        .setMetadataJson(ByteString.copyFromUtf8("{\"@collection\":\"Corruption\"}"))
                        .setBodyJson(ByteString.copyFromUtf8("{\"id\":\"" + id + "\",\"pad\":\"" + "p".repeat(64) + "\"}")))
                        .build());
    }

    private static int found(ManagedChannel channel, List<String> ids) {
        return (int) DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                .get(GetRequest.newBuilder().addAllIds(ids).build()).getResultsList().stream()
                .filter(r -> r.getFound()).count();
    }

    private static ClusterTopology topology(CorvidTestCluster cluster, String node) {
        ManagedChannel channel = channel(cluster, node);
        try {
            return DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .topology(TopologyRequest.getDefaultInstance());
        } finally {
            channel.shutdownNow();
        }
    }

    private static ManagedChannel channel(CorvidTestCluster cluster, String node) {
        return NettyChannelBuilder.forTarget(cluster.address(node)).usePlaintext().build();
    }

    private static Path onlyQuarantine(Path dataDir) throws IOException {
        try (Stream<Path> files = Files.list(dataDir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("wal-quarantine-")).findFirst().orElseThrow();
        }
    }
}
