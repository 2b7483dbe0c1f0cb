package dev.corvid.node.testing;

import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A cluster of real node processes on loopback for tests, like etcd's {@code integration.NewCluster}:
 * node {@code A} is the master, the others replicas; ports come from the OS; the cluster is named
 * {@value #NAME} and has a random replication {@link #secret}. Nodes run the node's {@code Main} on
 * this JVM's classpath, each with its log in the cluster directory.
 *
 * <pre>
 * try (TestCluster cluster = TestCluster.start(dir, 3)) {
 *     cluster.kill("A");      // kill -9
 *     cluster.restart("A");   // same data, same port
 * }
 * </pre>
 */
public final class TestCluster implements AutoCloseable {

    private static final Duration START_DEADLINE = Duration.ofSeconds(60);
    public static final String NAME = "test";

    private final Path dir;
    private final Path config;
    private final Map<String, Integer> ports;
    private final String secret;
    private final Map<String, Process> processes = new LinkedHashMap<>();
    private final Map<String, List<String>> jvmArgs = new java.util.concurrent.ConcurrentHashMap<>();

    private TestCluster(Path dir, Path config, Map<String, Integer> ports, String secret) {
        this.dir = dir;
        this.config = config;
        this.ports = ports;
        this.secret = secret;
    }

    /** Writes a config for {@code size} nodes named A, B, C... and starts them all. */
    public static TestCluster start(Path dir, int size) {
        return start(dir, size, "");
    }

    /**
     * {@link #start(Path, int)} with more top-level fields in the config, written as JSON members
     * without the braces, e.g. {@code "\"limits\": {\"maxDocumentBytes\": 65536}"}; empty for none.
     */
    public static TestCluster start(Path dir, int size, String extraConfig) {
        return start(dir, size, extraConfig, null);
    }

    /**
     * A cluster whose master a Raft group decides: {@code "failover": failover} ({@code manual} or
     * {@code automatic}) and a consensus port per node, A the master of epoch 1.
     */
    public static TestCluster startWithFailover(Path dir, int size, String failover) {
        return startWithFailover(dir, size, failover, "");
    }

    /** {@link #startWithFailover(Path, int, String)} with more top-level fields, as {@link #start(Path, int, String)} takes them. */
    public static TestCluster startWithFailover(Path dir, int size, String failover, String extraConfig) {
        return start(dir, size, "\"failover\": \"" + failover + "\"" + (extraConfig.isBlank() ? "" : ",\n" + extraConfig),
                failover);
    }

    private static TestCluster start(Path dir, int size, String extraConfig, String failover) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        List<String> nodes = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            String name = String.valueOf((char) ('A' + i));
            int port = freePort();
            ports.put(name, port);
            String consensus = failover == null ? "" : ", \"consensusPort\": " + freePort();
            nodes.add(String.format("{\"name\": \"%s\", \"host\": \"127.0.0.1\", \"port\": %d%s, \"dataDir\": \"%s/data\", \"role\": \"%s\"}",
                    name, port, consensus, name, i == 0 ? "master" : "replica"));
        }
        String secret = UUID.randomUUID().toString();
        String json = "{\"cluster\": \"" + NAME + "\", \"secret\": \"" + secret + "\","
                + (extraConfig.isBlank() ? "" : "\n" + extraConfig + ",")
                + "\n\"nodes\": [\n  " + String.join(",\n  ", nodes) + "\n]}\n";
        try {
            Files.createDirectories(dir);
            Path config = Files.writeString(dir.resolve("cluster.json"), json);
            TestCluster cluster = new TestCluster(dir, config, ports, secret);
            ports.keySet().forEach(cluster::launch);
            ports.keySet().forEach(cluster::awaitHealthy);
            return cluster;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path config() {
        return config;
    }

    /** The replication secret of the config. */
    public String secret() {
        return secret;
    }

    public String address(String node) {
        return "127.0.0.1:" + ports.get(node);
    }

    public List<String> nodes() {
        return List.copyOf(ports.keySet());
    }

    /** Node name to {@code host:port}, master first: what a {@code ClusterProbe} takes. */
    public Map<String, String> addresses() {
        Map<String, String> addresses = new LinkedHashMap<>();
        ports.keySet().forEach(n -> addresses.put(n, address(n)));
        return addresses;
    }

    /** JVM options (e.g. {@code -Dname=value}) for the node's next start; replaces earlier ones. */
    public void setJvmArgs(String node, String... args) {
        jvmArgs.put(node, List.of(args));
    }

    /** The node's data directory, as the config names it. */
    public Path dataDir(String node) {
        return dir.resolve(node).resolve("data");
    }

    /** The process id of a running node. */
    public long pid(String node) {
        Process p = processes.get(node);
        if (p == null) {
            throw new IllegalStateException("node " + node + " is not running");
        }
        return p.pid();
    }

    /**
     * Starts a stopped or killed node without waiting for it to become healthy, e.g. one expected
     * to refuse to start; {@link #awaitExit} or {@link #awaitHealthy} then tells.
     */
    public void launchOnly(String node) {
        stop(node);
        launch(node);
    }

    /** Waits until a node started with {@link #launchOnly} has exited, and returns its exit code. */
    public int awaitExit(String node, Duration deadline) {
        Process p = processes.get(node);
        if (p == null) {
            throw new IllegalStateException("node " + node + " was not started");
        }
        try {
            if (!p.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError("node " + node + " still runs after " + deadline + "; its log ends with:\n"
                        + logTail(node, 40));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        processes.remove(node);
        return p.exitValue();
    }

    public Path log(String node) {
        return dir.resolve(node + ".log");
    }

    /** The last {@code lines} lines of the node's log, or why they cannot be read. */
    public String logTail(String node, int lines) {
        try {
            List<String> all = Files.readAllLines(log(node));
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(log " + log(node) + " unreadable: " + e + ")";
        }
    }

    /** {@code kill -9}: no shutdown hook, no flush, nothing. */
    public void kill(String node) {
        Process p = processes.remove(node);
        if (p != null) {
            p.destroyForcibly();
            waitFor(p, node);
        }
    }

    /** SIGTERM, then waits for the graceful stop. */
    public void stop(String node) {
        Process p = processes.remove(node);
        if (p != null) {
            p.destroy();
            waitFor(p, node);
        }
    }

    /** Starts a stopped or killed node again on the same port and data, and waits until it is healthy. */
    public void restart(String node) {
        stop(node);
        launch(node);
        awaitHealthy(node);
    }

    /** SIGSTOP: the process stays, but answers nothing until {@link #resume}. */
    public void pause(String node) {
        signal(node, "STOP");
    }

    public void resume(String node) {
        signal(node, "CONT");
    }

    public boolean isRunning(String node) {
        Process p = processes.get(node);
        return p != null && p.isAlive();
    }

    @Override
    public void close() {
        new ArrayList<>(processes.keySet()).forEach(this::stop);
    }

    private void launch(String node) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-ea", "-Xmx512m", "-XX:+UseSerialGC"));
        command.addAll(jvmArgs.getOrDefault(node, List.of()));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                "dev.corvid.node.Main", "--config", config.toString(), "--node", node));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log(node).toFile()));
        try {
            processes.put(node, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node " + node, e);
        }
    }

    /** Waits until the node's health service answers SERVING. */
    public void awaitHealthy(String node) {
        ManagedChannel channel = NettyChannelBuilder.forTarget(address(node), probeCredentials()).build();
        try {
            await("node " + node + " healthy (log: " + log(node) + ")")
                    .atMost(START_DEADLINE)
                    .pollInterval(Duration.ofMillis(50))
                    .failFast(() -> {
                        if (!isRunning(node)) {
                            // The test's directory is gone by the time anyone reads the report.
                            throw new AssertionError("node " + node + " exited; its log ends with:\n" + logTail(node, 40));
                        }
                    })
                    .ignoreExceptions()
                    .until(() -> {
                        // Poll at once after the port opens, not after gRPC's growing reconnect backoff.
                        channel.resetConnectBackoff();
                        return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
                                .check(HealthCheckRequest.getDefaultInstance()).getStatus()
                                == HealthCheckResponse.ServingStatus.SERVING;
                    });
        } finally {
            channel.shutdownNow();
        }
    }

    /** Plaintext, or on a TLS cluster the cluster's CA and no client certificate (the health check needs none). */
    private io.grpc.ChannelCredentials probeCredentials() {
        dev.corvid.node.config.TlsSettings tls = dev.corvid.node.config.ClusterConfig.load(config).tls();
        if (!tls.enabled()) {
            return io.grpc.InsecureChannelCredentials.create();
        }
        try {
            return io.grpc.TlsChannelCredentials.newBuilder().trustManager(tls.ca().toFile()).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void signal(String node, String signal) {
        Process p = processes.get(node);
        if (p == null) {
            throw new IllegalStateException("node " + node + " is not running");
        }
        try {
            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + signal + " " + p.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void waitFor(Process p, String node) {
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException("node " + node + " did not stop within 30 s; killed it");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A port the OS just handed out on loopback and released. */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
