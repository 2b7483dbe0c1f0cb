package dev.corvid.node.replication;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.node.cli.Admin;
import dev.corvid.node.cli.ConsistencyReport;
import dev.corvid.node.storage.Etag;
import dev.corvid.testing.CorvidTestCluster;
import dev.corvid.node.wire.WireEtag;
import dev.corvid.proto.ReplicaStatus;
import dev.corvid.probe.MultiProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A replica that holds changes its master never issued (or no longer has) is reported diverged by
 * the master's Topology and Stats, the status table and the consistency check, never as caught up;
 * once it is wiped it re-seeds on its own. Two real ways to get there: the master restored from an
 * older copy of its data (what a lost log tail looks like), and the master's data wiped.
 */
@MultiProcess
class DivergedReplicaTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void masterRestoredFromAnOlderCopy_reportsTheReplicaDiverged_neverCaughtUp_untilTheReplicaIsWiped() throws Exception {
        try (CorvidTestCluster cluster = CorvidTestCluster.builder().directory(dir).nodes(2).start(); ClusterClient client = new ClusterClient(cluster)) {
            client.putMany("kept", 0, 10, "{}");
            client.awaitReplicasCaughtUp(DEADLINE);
            cluster.stop("A");
            Path backup = dir.resolve("A-backup");
            copy(cluster.dataDir("A"), backup);
            cluster.restart("A");
            client.putMany("lost", 0, 10, "{}"); // B gets these; the restored A will not have them
            client.awaitReplicasCaughtUp(DEADLINE);
            String claim = WireEtag.text(client.stats("B").getLastAppliedMasterEtag());

            cluster.stop("A");
            delete(cluster.dataDir("A"));
            copy(backup, cluster.dataDir("A"));
            cluster.restart("A");
            String masterLast = WireEtag.text(client.stats("A").getLastEtag());
            assertTrue(Etag.parse(claim).compareTo(Etag.parse(masterLast)) > 0, claim + " vs " + masterLast);

            ReplicaStatus b = awaitDiverged(client);
            assertTrue(b.getDiverged().contains("claims master etag " + claim)
                    && b.getDiverged().contains("after this master's last etag " + masterLast), b.getDiverged());
            assertEquals(claim, WireEtag.text(b.getLastAppliedEtag()));
            assertNeverCaughtUp(client);
            assertEquals(20, client.stats("B").getDocumentCount(), "nothing sent to it, nothing taken from it");
            assertReportedDivergedByTheTools(cluster);

            wipeAndAwaitReseeded(cluster, client, 10);
        }
    }

    @Test
    void masterWithWipedData_isRefusedByTheReplica_reportedDivergedByBoth_andTheReplicaReseedsOnceWiped() throws Exception {
        try (CorvidTestCluster cluster = CorvidTestCluster.builder().directory(dir).nodes(2).start(); ClusterClient client = new ClusterClient(cluster)) {
            client.putMany("old", 0, 10, "{}");
            client.awaitReplicasCaughtUp(DEADLINE);
            String oldTag = client.stats("A").getNodeTag();
            cluster.stop("A");
            delete(cluster.dataDir("A"));
            cluster.restart("A");
            assertNotEquals(oldTag, client.stats("A").getNodeTag(), "new data, new node tag");
            client.putMany("new", 0, 5, "{}");

            ReplicaStatus b = awaitDiverged(client);
            assertTrue(b.getDiverged().contains("its data was replaced") && b.getDiverged().contains("Wipe this replica"),
                    b.getDiverged());
            ReplicaStatus self = client.stats("B").getReplicas(0);
            assertTrue(self.hasDiverged() && self.getDiverged().contains("node tag " + oldTag), self.toString());
            assertNeverCaughtUp(client);
            assertEquals(10, client.stats("B").getDocumentCount(), "the new master's changes are not mixed in");
            assertTrue(cluster.logTail("B", 200).contains("rejected: replication refused by 'B': this replica has applied"),
                    cluster.logTail("B", 40));
            assertReportedDivergedByTheTools(cluster);

            wipeAndAwaitReseeded(cluster, client, 5);
        }
    }

    private static ReplicaStatus awaitDiverged(ClusterClient client) {
        return await("A reports B diverged").atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> client.topology("A").getReplicas(0), ReplicaStatus::hasDiverged);
    }

    /** For a while, through several handshake retries: diverged every time, never a count of changes behind. */
    private static void assertNeverCaughtUp(ClusterClient client) {
        await("B stays diverged, never caught up").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(8))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    ReplicaStatus t = client.topology("A").getReplicas(0);
                    ReplicaStatus s = client.stats("A").getReplicas(0);
                    return t.hasDiverged() && !t.hasChangesBehind() && !t.hasLagMs() && !t.getConnected()
                            && s.hasDiverged() && !s.hasChangesBehind();
                });
    }

    private static void assertReportedDivergedByTheTools(CorvidTestCluster cluster) throws Exception {
        ConsistencyReport report = cluster.checkConsistency(Duration.ofSeconds(10));
        assertFalse(report.consistent(), report.summary());
        assertTrue(report.replicas().get(0).diverged(), report.summary());
        assertTrue(report.summary().contains("replica B: DIVERGED from master A: "), report.summary());

        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        int exit;
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            exit = new CommandLine(new Admin()).execute("status", "--config", cluster.config().toString());
        } finally {
            System.setOut(stdout);
        }
        String table = printed.toString(StandardCharsets.UTF_8);
        assertEquals(4, exit, table);
        assertTrue(table.contains("DIVERGED (see below)") && table.contains("replica B DIVERGED: ")
                && !table.contains("caught up"), table);
    }

    /** Wipes B's data and restarts it: it re-seeds from the master on its own and matches it. */
    private static void wipeAndAwaitReseeded(CorvidTestCluster cluster, ClusterClient client, long masterDocuments) throws Exception {
        cluster.stop("B");
        delete(cluster.dataDir("B"));
        cluster.restart("B");
        client.awaitReplicasCaughtUp(DEADLINE);
        ReplicaStatus b = client.topology("A").getReplicas(0);
        assertFalse(b.hasDiverged(), b.toString());
        assertEquals(client.stats("A").getLastEtag(), client.stats("B").getLastAppliedMasterEtag());
        assertEquals(masterDocuments, client.stats("B").getDocumentCount());
        ConsistencyReport report = cluster.checkConsistency(Duration.ofSeconds(30));
        assertTrue(report.consistent(), report.summary());
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void delete(Path tree) throws IOException {
        try (Stream<Path> files = Files.walk(tree)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
