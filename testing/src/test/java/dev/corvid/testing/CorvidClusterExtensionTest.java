package dev.corvid.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.client.DocumentSession;
import dev.corvid.client.DocumentStore;
import dev.corvid.node.cli.ConsistencyReport;
import dev.corvid.probe.MultiProcess;
import dev.corvid.proto.Document;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code @CorvidCluster} as an application's test uses it: one cluster of three real node
 * processes for the class, injected into its methods, with a store, the waits on replication, a
 * node's death and return, and the consistency check.
 */
@MultiProcess
@CorvidCluster(nodes = 3)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CorvidClusterExtensionTest {

    /** An application's entity. */
    public static final class Note {
        private String text;

        public Note() {
        }

        Note(String text) {
            this.text = text;
        }

        public String getText() {
            return text;
        }

        public void setText(String text) {
            this.text = text;
        }
    }

    private static CorvidTestCluster started;

    @BeforeAll
    static void remember(CorvidTestCluster cluster) {
        started = cluster;
    }

    @Test
    @Order(1)
    void everyMethodGetsTheClassCluster_ofThreeRunningNodes_AMaster(CorvidTestCluster cluster) {
        assertSame(started, cluster);
        assertEquals(List.of("A", "B", "C"), cluster.nodes());
        assertEquals("A", cluster.master());
        cluster.nodes().forEach(n -> assertTrue(cluster.isRunning(n), n + " is not running"));
        assertEquals("master", cluster.probe().node("A").stats().getRole());
        assertEquals("replica", cluster.probe().node("B").stats().getRole());
    }

    @Test
    @Order(2)
    void aDocumentSavedThroughTheStore_isOnEveryReplicaOnceReplicated(CorvidTestCluster cluster) {
        DocumentStore store = cluster.store();
        try (DocumentSession session = store.openSession()) {
            session.store(new Note("buy milk"), "notes/1");
            session.saveChanges();
        }
        cluster.awaitReplicated();
        for (String replica : List.of("B", "C")) {
            Document copy = cluster.probe().node(replica).find("notes/1")
                    .orElseThrow(() -> new AssertionError(replica + " has no notes/1 after awaitReplicated"));
            assertTrue(copy.getBodyJson().toStringUtf8().contains("buy milk"), copy.toString());
        }
        assertTrue(cluster.checkConsistency().consistent());
    }

    @Test
    @Order(3)
    void aKilledReplica_catchesUpAfterRestart_andTheCheckFindsTheClusterConsistent(CorvidTestCluster cluster) {
        long pid = cluster.pid("C");
        cluster.kill("C");
        assertFalse(cluster.isRunning("C"));
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "kill left process " + pid);
        DocumentStore store = cluster.store();
        try (DocumentSession session = store.openSession()) {
            session.store(new Note("while C was down"), "notes/2");
            session.saveChanges();
        }
        cluster.awaitReplicated();   // B only: C is not running
        assertTrue(cluster.probe().node("B").find("notes/2").isPresent());
        cluster.restart("C");
        assertTrue(cluster.isRunning("C"));
        cluster.awaitReplicated();
        assertTrue(cluster.probe().node("C").find("notes/2").isPresent(), "C did not catch up after its restart");
        ConsistencyReport report = cluster.checkConsistency(Duration.ofSeconds(30));
        assertTrue(report.consistent(), report.summary());
    }

    @Test
    @Order(4)
    void aPausedReplica_answersNothing_untilResumed(CorvidTestCluster cluster) {
        cluster.pause("B");
        try (dev.corvid.probe.NodeProbe impatient = new dev.corvid.probe.NodeProbe("B", cluster.address("B"),
                Duration.ofMillis(300))) {
            assertTrue(impatient.statsIfAnswering().isEmpty(), "a paused B answered Stats");
            cluster.resume("B");
            org.awaitility.Awaitility.await("B answers once resumed").atMost(Duration.ofSeconds(10))
                    .until(() -> impatient.statsIfAnswering().isPresent());
        }
    }

    @Test
    @Order(5)
    void aNodeNotInTheCluster_isRefusedByName(CorvidTestCluster cluster) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cluster.kill("Z"));
        assertTrue(e.getMessage().contains("no node Z"), e.getMessage());
        Map<String, String> addresses = cluster.addresses();
        assertEquals(cluster.nodes(), List.copyOf(addresses.keySet()));
    }

    @Nested
    class ANestedClass {
        @Test
        void sharesTheOuterClassCluster(CorvidTestCluster cluster) {
            assertSame(started, cluster);
        }
    }
}
