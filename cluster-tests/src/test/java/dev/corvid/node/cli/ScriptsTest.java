package dev.corvid.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.corvid.probe.MultiProcess;
import dev.corvid.probe.Ports;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The README's scripts, run as a user runs them, on a two-node cluster of their own: a command
 * line they cannot take is an error with the usage (exit 2), a node that cannot start fails the
 * start at once with the end of its log, and {@code status.sh} tells a node that is gone (DOWN) from
 * one that takes connections but does not answer (NOT RESPONDING), showing the lag the master knows.
 */
@MultiProcess
class ScriptsTest {

    /** The checkout: the tests run in {@code cluster-tests/}. */
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final long SCRIPT_TIMEOUT_SECONDS = 120;

    private static Path dir;
    private static Path config;
    private static Path run;
    private static int portA;

    /** What a script printed (stdout and stderr, in order) and its exit code. */
    private record Ran(int code, String output) {
        @Override
        public String toString() {
            return "exit " + code + ":\n" + output;
        }
    }

    @BeforeAll
    static void writeConfig() throws IOException {
        assertTrue(Files.isRegularFile(ROOT.resolve("scripts/lib.sh")), "no scripts/ in " + ROOT);
        dir = Files.createTempDirectory("corvid-scripts-test");
        List<Integer> ports = Ports.freePorts(2);
        portA = ports.get(0);
        // A name of its own: the scripts keep pids and logs in run/<config name>/ of the checkout.
        String name = "scripts-test-" + portA;
        config = Files.writeString(dir.resolve(name + ".json"), "{\"cluster\": \"" + name + "\", \"nodes\": ["
                + "{\"name\": \"A\", \"host\": \"127.0.0.1\", \"port\": " + portA + ", \"dataDir\": \"A\", \"role\": \"master\"},"
                + "{\"name\": \"B\", \"host\": \"127.0.0.1\", \"port\": " + ports.get(1) + ", \"dataDir\": \"B\", \"role\": \"replica\"}]}");
        run = ROOT.resolve("run").resolve(name);
    }

    @AfterAll
    static void stopAndClean() throws Exception {
        if (config != null) {
            script("stop-cluster.sh", config.toString());
        }
        for (Path p : new Path[] {run, dir}) {
            if (p != null && Files.exists(p)) {
                try (Stream<Path> files = Files.walk(p)) {
                    files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
    }

    private static Ran script(String name, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("scripts").resolve(name).toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
        // Light nodes, and no class-data archive written at their exit (it slows the stop).
        builder.environment().put("NODE_JAVA_OPTS", "-Xmx256m -XX:+UseSerialGC");
        builder.environment().put("CORVID_CDS", "0");
        Process process = builder.start();
        process.getOutputStream().close();
        byte[] out = process.getInputStream().readAllBytes();
        assertTrue(process.waitFor(SCRIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS), name + " did not end");
        return new Ran(process.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void aNodeNotInTheConfig_orAnUnknownOption_isAUsageError() throws Exception {
        Ran kill = script("kill-node.sh", "Z", config.toString());
        assertEquals(2, kill.code(), kill.toString());
        assertTrue(kill.output().contains("no node 'Z'") && kill.output().contains("its nodes are A, B")
                && kill.output().contains("--help"), kill.toString());

        Ran start = script("start-cluster.sh", "--fast");
        assertEquals(2, start.code(), start.toString());
        assertTrue(start.output().contains("unknown option '--fast'"), start.toString());

        Ran extra = script("status.sh", config.toString(), "more");
        assertEquals(2, extra.code(), extra.toString());
        assertTrue(extra.output().contains("unexpected argument 'more'"), extra.toString());

        Ran noNode = script("restart-node.sh");
        assertEquals(2, noNode.code(), noNode.toString());
        assertTrue(noNode.output().contains("Usage: scripts/restart-node.sh NODE"), noNode.toString());
    }

    @Test
    void aNodeThatCannotStart_failsTheStartAtOnce_withTheEndOfItsLog() throws Exception {
        try (ServerSocket taken = new ServerSocket(portA, 50, InetAddress.getLoopbackAddress())) {
            long started = System.nanoTime();
            Ran start = script("start-node.sh", "A", config.toString());
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started);
            assertEquals(1, start.code(), start.toString());
            assertTrue(start.output().contains("exited before it was healthy"), start.toString());
            assertTrue(start.output().contains("Failed to bind"), "the log's cause is in the output: " + start);
            assertTrue(seconds < 30, "the start waited " + seconds + " s for a process that had exited (the wait is 60 s)");
            assertEquals(portA, taken.getLocalPort());
        }
    }

    @Test
    void status_tellsDownFromNotResponding_andShowsTheLagTheMasterKnows() throws Exception {
        Ran start = script("start-cluster.sh", config.toString());
        assertEquals(0, start.code(), start.toString());
        Ran up = script("status.sh", config.toString());
        assertEquals(0, up.code(), up.toString());
        assertTrue(line(up, "B").contains("0 (caught up)"), up.toString());

        long pidB = Long.parseLong(Files.readString(run.resolve("B.pid")).trim());
        ProcessHandle b = ProcessHandle.of(pidB).orElseThrow();
        signal(pidB, "STOP");
        try {
            put(3);
            Ran paused = script("status.sh", config.toString());
            assertEquals(3, paused.code(), paused.toString());
            assertTrue(line(paused, "B").contains("NOT RESPONDING"), paused.toString());
            assertTrue(line(paused, "B").matches(".*\\b3 changes, [0-9]+ ms.*"), "the master's count of what B lacks: " + paused);
        } finally {
            signal(pidB, "CONT");
        }

        Ran kill = script("kill-node.sh", "B", config.toString());
        assertEquals(0, kill.code(), kill.toString());
        assertTrue(b.onExit().get(30, TimeUnit.SECONDS) != null && !b.isAlive());
        Ran down = script("status.sh", config.toString());
        assertEquals(3, down.code(), down.toString());
        assertTrue(line(down, "B").contains("DOWN") && !line(down, "B").contains("NOT RESPONDING"), down.toString());

        Ran again = script("kill-node.sh", "B", config.toString());
        assertEquals(0, again.code(), again.toString());
        assertTrue(again.output().contains("node B is not running"), again.toString());
    }

    /** The status table's line of {@code node}. */
    private static String line(Ran status, String node) {
        return status.output().lines().filter(l -> l.startsWith(node + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no line for " + node + " in " + status));
    }

    private static void signal(long pid, String signal) throws IOException, InterruptedException {
        assertEquals(0, new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).start().waitFor());
    }

    private static void put(int count) {
        ManagedChannel channel = NettyChannelBuilder.forTarget("127.0.0.1:" + portA).usePlaintext().build();
        try {
            DocumentsGrpc.DocumentsBlockingStub docs = DocumentsGrpc.newBlockingStub(channel);
            for (int i = 0; i < count; i++) {
                docs.withDeadlineAfter(10, TimeUnit.SECONDS).put(PutRequest.newBuilder().setPut(PutCommand.newBuilder()
                        .setId("things/" + i).setBodyJson(ByteString.copyFromUtf8("{}"))).build());
            }
        } finally {
            channel.shutdownNow();
        }
    }
}
