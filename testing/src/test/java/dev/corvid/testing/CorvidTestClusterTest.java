package dev.corvid.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.probe.MultiProcess;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The builder's checks, the cleanup on close, and no node outliving a JVM killed with {@code kill -9}. */
class CorvidTestClusterTest {

    @TempDir
    Path dir;

    @Test
    void theBuilderRefusesAShapeItCannotStart() {
        assertThrows(IllegalArgumentException.class, () -> CorvidTestCluster.builder().nodes(0));
        assertThrows(IllegalArgumentException.class, () -> CorvidTestCluster.builder().nodes(27));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CorvidTestCluster.builder().failover("sometimes"));
        assertTrue(e.getMessage().contains("\"manual\" or \"automatic\""), e.getMessage());
    }

    @Test
    void aBadConfigMember_isRefusedWithItsField_beforeAnyNodeStarts() {
        RuntimeException e = assertThrows(RuntimeException.class, () -> CorvidTestCluster.builder().nodes(1)
                .directory(dir).config("\"limits\": {\"maxDocumentBytes\": -1}").start());
        assertTrue(e.getMessage().contains("maxDocumentBytes"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("A.log")), "a node was started on a bad config");
    }

    @Test
    @MultiProcess
    void closeStopsEveryNode_andDeletesTheDirectoryItMade() {
        CorvidTestCluster cluster = CorvidTestCluster.builder().nodes(2).start();
        Path created = cluster.directory();
        List<ProcessHandle> nodes = cluster.nodes().stream().map(n -> ProcessHandle.of(cluster.pid(n)).orElseThrow()).toList();
        cluster.pause("B");   // a paused node is resumed so it can stop
        cluster.close();
        nodes.forEach(p -> assertFalse(p.isAlive(), "node process " + p.pid() + " outlived close()"));
        assertFalse(Files.exists(created), "close() left " + created);
    }

    @Test
    @MultiProcess
    void noNodeOutlivesTheJvmThatStartedIt_evenKilledWithKill9() throws Exception {
        Process harness = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), OneNodeHarness.class.getName(), dir.toString())
                .redirectErrorStream(true).start();
        long nodePid;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(harness.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            String pidLine = null;
            while ((line = out.readLine()) != null) {
                if (line.startsWith(OneNodeHarness.READY)) {
                    pidLine = line;
                    break;
                }
            }
            assertTrue(pidLine != null, "the harness ended before its cluster started");
            nodePid = Long.parseLong(pidLine.substring(OneNodeHarness.READY.length()).trim());
            ProcessHandle node = ProcessHandle.of(nodePid).orElseThrow(() -> new AssertionError("no node process"));
            assertTrue(node.isAlive());

            harness.destroyForcibly();   // kill -9: no shutdown hook runs in the harness
            assertTrue(harness.waitFor(30, TimeUnit.SECONDS));
            await("the orphaned node " + nodePid + " stops").atMost(Duration.ofSeconds(30))
                    .until(() -> !node.isAlive());
        }
        String log = Files.readString(dir.resolve("cluster").resolve("A.log"));
        assertTrue(log.contains("standard input closed"), log);
        assertEquals(0, ProcessHandle.of(nodePid).stream().filter(ProcessHandle::isAlive).count());
    }

    /** A test JVM: starts a one-node cluster, says the node's pid, and waits to be killed. */
    public static final class OneNodeHarness {
        static final String READY = "node pid ";

        public static void main(String[] args) throws InterruptedException {
            CorvidTestCluster cluster = CorvidTestCluster.builder().nodes(1).directory(Path.of(args[0], "cluster")).start();
            System.out.println(READY + cluster.pid("A"));
            System.out.flush();
            Thread.currentThread().join();
        }
    }
}
