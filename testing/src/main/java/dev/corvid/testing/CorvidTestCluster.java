package dev.corvid.testing;

import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.corvid.client.DocumentStore;
import dev.corvid.node.cli.ConsistencyCheck;
import dev.corvid.node.cli.ConsistencyReport;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.TlsSettings;
import dev.corvid.probe.ClusterProbe;
import dev.corvid.probe.NodeProbe;
import dev.corvid.probe.Ports;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * A Corvid cluster of real node processes on loopback, for a test: node {@code A} is the master
 * (of epoch 1, when a Raft group decides the master), {@code B}, {@code C}... its replicas. Ports
 * come from the OS, each node has its own data directory and log file, and every node runs
 * {@code dev.corvid.node.Main} in a JVM of its own on the test's class path.
 *
 * <pre>
 * try (CorvidTestCluster cluster = CorvidTestCluster.builder().nodes(3).start()) {
 *     DocumentStore store = cluster.store();
 *     ...
 *     cluster.kill("A");            // kill -9
 *     cluster.awaitReplicated();    // every running replica has what its master has
 *     cluster.restart("A");         // same data, same port, healthy when it returns
 * }
 * </pre>
 *
 * <p>Or in JUnit Jupiter, one cluster per test class: {@link CorvidCluster @CorvidCluster(nodes = 3)}.
 *
 * <p>No node outlives the test: {@link #close()} stops them (SIGTERM, then {@code kill -9} after
 * {@value #STOP_DEADLINE_SECONDS} s), a JVM shutdown hook stops those a test left running, and a
 * node stops by itself when the JVM that started it dies, even by {@code kill -9}: it watches its
 * standard input, a pipe from this JVM, and stops at its end. A node left paused by
 * {@link #pause} when the JVM is killed stays stopped until someone sends it SIGCONT.
 */
public final class CorvidTestCluster implements AutoCloseable {

    /** The cluster name in the config. */
    public static final String NAME = "test";
    /** How long a node may take to become healthy after its process starts. */
    public static final Duration START_DEADLINE = Duration.ofSeconds(60);
    /** How long {@link #stop} waits for a graceful stop before it kills the process. */
    public static final int STOP_DEADLINE_SECONDS = 30;
    /**
     * The JVM options of every node before the builder's own: assertions on, a small heap, one GC
     * thread, and the quick (C1) compiler only: a node of a test lives seconds, too short for the
     * optimizing compiler to pay back its CPU (on two cores, Corvid's own multi-process tests ran
     * about a quarter faster). For a load test, {@code jvmArgs("-XX:TieredStopAtLevel=4")}.
     */
    public static final List<String> DEFAULT_JVM_ARGS = List.of("-ea", "-Xmx512m", "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1");

    private final Path dir;
    private final boolean ownsDir;
    private final Path config;
    private final Map<String, Integer> ports;
    private final String secret;
    private final List<String> builderJvmArgs;
    private final Map<String, Process> processes = new ConcurrentHashMap<>();
    private final Set<String> paused = ConcurrentHashMap.newKeySet();
    private final Map<String, List<String>> jvmArgs = new ConcurrentHashMap<>();
    private final List<DocumentStore> stores = new CopyOnWriteArrayList<>();
    private final Thread shutdownHook = new Thread(this::stopAll, "corvid-test-cluster-stop");
    private volatile ClusterProbe probe;
    private volatile boolean closed;

    private CorvidTestCluster(Path dir, boolean ownsDir, Path config, Map<String, Integer> ports, String secret,
                              List<String> builderJvmArgs) {
        this.dir = dir;
        this.ownsDir = ownsDir;
        this.config = config;
        this.ports = ports;
        this.secret = secret;
        this.builderJvmArgs = builderJvmArgs;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** How the cluster looks: the number of nodes, where it lives, how its master is decided, more config. */
    public static final class Builder {
        private int nodes = 3;
        private Path directory;
        private String failover;
        private String extraConfig = "";
        private final List<String> jvmArgs = new ArrayList<>();

        private Builder() {
        }

        /** How many nodes, 1 to 26, named A, B, C...: A the master. Default 3. */
        public Builder nodes(int nodes) {
            if (nodes < 1 || nodes > 26) {
                throw new IllegalArgumentException("a test cluster has 1 to 26 nodes, not " + nodes);
            }
            this.nodes = nodes;
            return this;
        }

        /**
         * Where the config, the data directories and the logs go; kept after {@link #close()} for
         * the test to read. Default: a new temporary directory, deleted on close.
         */
        public Builder directory(Path directory) {
            this.directory = directory;
            return this;
        }

        /**
         * Lets a Raft group among the nodes decide the master: {@code "manual"} (promotion by
         * {@code corvid-admin promote} only) or {@code "automatic"} (a replica takes over when the
         * master is gone). Default: none, A is master for good.
         */
        public Builder failover(String mode) {
            if (!mode.equals("manual") && !mode.equals("automatic")) {
                throw new IllegalArgumentException("failover is \"manual\" or \"automatic\", not \"" + mode + "\"");
            }
            this.failover = mode;
            return this;
        }

        /**
         * More top-level members of the cluster config, as JSON without the braces, e.g.
         * {@code "\"limits\": {\"maxDocumentBytes\": 65536}"} or a {@code "tls"} section.
         */
        public Builder config(String members) {
            this.extraConfig = members.strip();
            return this;
        }

        /** JVM options for every node, after {@link #DEFAULT_JVM_ARGS} (so {@code -Xmx1g} here wins). */
        public Builder jvmArgs(String... args) {
            jvmArgs.addAll(List.of(args));
            return this;
        }

        /** Writes the config, starts every node and returns once each is healthy. */
        public CorvidTestCluster start() {
            try {
                boolean owns = directory == null;
                Path dir = owns ? Files.createTempDirectory("corvid-test-cluster") : Files.createDirectories(directory);
                Map<String, Integer> ports = new LinkedHashMap<>();
                List<String> members = new ArrayList<>();
                List<Integer> free = Ports.freePorts(2 * nodes);
                for (int i = 0; i < nodes; i++) {
                    String name = String.valueOf((char) ('A' + i));
                    int port = free.get(2 * i);
                    ports.put(name, port);
                    String consensus = failover == null ? "" : ", \"consensusPort\": " + free.get(2 * i + 1);
                    members.add(String.format("{\"name\": \"%s\", \"host\": \"127.0.0.1\", \"port\": %d%s,"
                            + " \"dataDir\": \"%s/data\", \"role\": \"%s\"}", name, port, consensus, name,
                            i == 0 ? "master" : "replica"));
                }
                String secret = UUID.randomUUID().toString();
                List<String> top = new ArrayList<>();
                top.add("\"cluster\": \"" + NAME + "\"");
                top.add("\"secret\": \"" + secret + "\"");
                if (failover != null) {
                    top.add("\"failover\": \"" + failover + "\"");
                }
                if (!extraConfig.isEmpty()) {
                    top.add(extraConfig);
                }
                top.add("\"nodes\": [\n  " + String.join(",\n  ", members) + "\n]");
                Path config = Files.writeString(dir.resolve("cluster.json"), "{" + String.join(",\n", top) + "}\n");
                // Refuses a bad config here, with the field at fault, before any process starts.
                ClusterConfig.load(config);
                CorvidTestCluster cluster = new CorvidTestCluster(dir, owns, config, ports, secret, List.copyOf(jvmArgs));
                Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
                try {
                    ports.keySet().forEach(cluster::launch);
                    ports.keySet().forEach(cluster::awaitHealthy);
                } catch (RuntimeException | Error e) {
                    cluster.close();
                    throw e;
                }
                return cluster;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The cluster config the nodes run on. */
    public Path config() {
        return config;
    }

    /** The directory with the config, each node's data directory and each node's log. */
    public Path directory() {
        return dir;
    }

    /** The replication secret of the config. */
    public String secret() {
        return secret;
    }

    /** Every node's name, A first. */
    public List<String> nodes() {
        return List.copyOf(ports.keySet());
    }

    /** The node's {@code host:port}, as a {@link DocumentStore} takes it. */
    public String address(String node) {
        return "127.0.0.1:" + port(node);
    }

    /** Node name to {@code host:port}, A first. */
    public Map<String, String> addresses() {
        Map<String, String> addresses = new LinkedHashMap<>();
        ports.keySet().forEach(n -> addresses.put(n, address(n)));
        return addresses;
    }

    /**
     * The master now: A, or with {@link Builder#failover} the master of the newest epoch any
     * running node names.
     */
    public String master() {
        return probe().currentMaster();
    }

    /** Each node's own answers (Stats, Topology, Get) over the wire, and the waits on replication. */
    public ClusterProbe probe() {
        ClusterProbe p = probe;
        if (p == null) {
            synchronized (this) {
                if (probe == null) {
                    probe = new ClusterProbe(addresses(), NodeProbe.DEFAULT_CALL_DEADLINE, probeCredentials());
                }
                p = probe;
            }
        }
        return p;
    }

    /**
     * A store on every node, master first, initialized, with a topology cache of its own; closed
     * with the cluster.
     */
    public DocumentStore store() {
        return store(s -> { });
    }

    /** {@link #store()}, configured by {@code configure} (conventions, certificates) before it is initialized. */
    public DocumentStore store(Consumer<DocumentStore> configure) {
        String master = master();
        List<String> urls = new ArrayList<>();
        urls.add(address(master));
        ports.keySet().stream().filter(n -> !n.equals(master)).map(this::address).forEach(urls::add);
        DocumentStore store = new DocumentStore(urls.toArray(String[]::new));
        try {
            store.getConventions().setTopologyCacheDirectory(Files.createTempDirectory(dir, "topology-cache"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        configure.accept(store);
        stores.add(store);
        return store.initialize();
    }

    /**
     * Waits until every running replica has applied every change its master had when this was
     * called: after it, each serves what the master served.
     *
     * @throws org.awaitility.core.ConditionTimeoutException when one has not within {@code deadline}
     */
    public void awaitReplicated(Duration deadline) {
        String master = master();
        ByteString last = probe().node(master).stats().getLastEtag();
        if (last.isEmpty()) {
            return;
        }
        List<String> running = ports.keySet().stream().filter(n -> !n.equals(master) && isRunning(n)).toList();
        probe().awaitApplied(last, running, deadline);
    }

    /** {@link #awaitReplicated(Duration)} within 30 s. */
    public void awaitReplicated() {
        awaitReplicated(Duration.ofSeconds(30));
    }

    /**
     * Compares every replica with the master document by document, as
     * {@code scripts/check-consistency.sh} does, giving each up to {@code catchUp} to catch up first.
     */
    public ConsistencyReport checkConsistency(Duration catchUp) {
        try {
            return ConsistencyCheck.run(ClusterConfig.load(config), catchUp);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking consistency", e);
        }
    }

    /** {@link #checkConsistency(Duration)} with 30 s to catch up. */
    public ConsistencyReport checkConsistency() {
        return checkConsistency(Duration.ofSeconds(30));
    }

    /** JVM options for the node's next start, after the builder's; replaces earlier ones of this node. */
    public void setJvmArgs(String node, String... args) {
        port(node);
        jvmArgs.put(node, List.of(args));
    }

    /** The node's data directory, as the config names it. */
    public Path dataDir(String node) {
        port(node);
        return dir.resolve(node).resolve("data");
    }

    /** The node's log: its standard output and error, kept across restarts. */
    public Path log(String node) {
        port(node);
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

    /** The process id of a running node. */
    public long pid(String node) {
        return running(node).pid();
    }

    public boolean isRunning(String node) {
        port(node);
        Process p = processes.get(node);
        return p != null && p.isAlive();
    }

    /** {@code kill -9}: no shutdown hook, no flush, nothing. */
    public void kill(String node) {
        port(node);
        Process p = processes.remove(node);
        paused.remove(node);
        if (p != null) {
            p.destroyForcibly();
            waitFor(p, node);
        }
    }

    /** SIGTERM, then waits for the graceful stop (a paused node is resumed first, so it can stop). */
    public void stop(String node) {
        port(node);
        Process p = processes.remove(node);
        if (p != null) {
            if (paused.remove(node)) {
                signal(p, "CONT");
            }
            p.destroy();
            waitFor(p, node);
        }
    }

    /** Starts a stopped or killed node again on the same port and data, and returns once it is healthy. */
    public void restart(String node) {
        stop(node);
        launch(node);
        awaitHealthy(node);
    }

    /**
     * Starts a stopped or killed node without waiting for it to become healthy, e.g. one expected
     * to refuse to start; {@link #awaitExit} or {@link #awaitHealthy} then tells.
     */
    public void launchOnly(String node) {
        stop(node);
        launch(node);
    }

    /** Waits until a node has exited, and returns its exit code. */
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

    /** SIGSTOP: the process keeps its connections but answers nothing until {@link #resume}. */
    public void pause(String node) {
        signal(running(node), "STOP");
        paused.add(node);
    }

    /** SIGCONT of a paused node. */
    public void resume(String node) {
        signal(running(node), "CONT");
        paused.remove(node);
    }

    /** Waits until the node's health service answers SERVING; fails at once, with its log, if the process exits. */
    public void awaitHealthy(String node) {
        ManagedChannel channel = NettyChannelBuilder.forTarget(address(node), probeCredentials()).build();
        try {
            await("node " + node + " healthy (log: " + log(node) + ")")
                    .atMost(START_DEADLINE)
                    .pollInterval(Duration.ofMillis(50))
                    .failFast(() -> {
                        if (!isRunning(node)) {
                            // The directory may be gone by the time anyone reads the report: the tail goes in it.
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

    /** Closes the stores and probes it handed out, stops every node, and deletes the directory it created. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stores.forEach(DocumentStore::close);
        stores.clear();
        ClusterProbe p = probe;
        if (p != null) {
            p.close();
        }
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs anyway, and finds nothing left to stop
        }
        if (ownsDir) {
            deleteTree(dir);
        }
    }

    @Override
    public String toString() {
        return "CorvidTestCluster" + addresses() + " in " + dir;
    }

    private void stopAll() {
        new ArrayList<>(processes.keySet()).forEach(node -> {
            try {
                stop(node);
            } catch (RuntimeException e) {
                // keep stopping the others
            }
        });
    }

    private void launch(String node) {
        if (closed) {
            throw new IllegalStateException("the cluster is closed");
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java));
        command.addAll(DEFAULT_JVM_ARGS);
        command.addAll(builderJvmArgs);
        command.addAll(jvmArgs.getOrDefault(node, List.of()));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.corvid.node.Main",
                "--config", config.toString(), "--node", node, "--stop-when-stdin-closes"));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log(node).toFile()));
        try {
            // Standard input stays a pipe from this JVM, never written to and never closed: it
            // ends when this JVM does, and the node stops with it.
            processes.put(node, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start node " + node, e);
        }
    }

    private int port(String node) {
        Integer port = ports.get(node);
        if (port == null) {
            throw new IllegalArgumentException("no node " + node + " in the cluster " + ports.keySet());
        }
        return port;
    }

    private Process running(String node) {
        port(node);
        Process p = processes.get(node);
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException("node " + node + " is not running");
        }
        return p;
    }

    /** Plaintext, or on a TLS cluster the cluster's CA and no client certificate (health and Stats summaries need none). */
    private ChannelCredentials probeCredentials() {
        TlsSettings tls = ClusterConfig.load(config).tls();
        if (!tls.enabled()) {
            return InsecureChannelCredentials.create();
        }
        try {
            TlsChannelCredentials.Builder credentials = TlsChannelCredentials.newBuilder().trustManager(tls.ca().toFile());
            return credentials.build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void signal(Process p, String signal) {
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
            if (!p.waitFor(STOP_DEADLINE_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new IllegalStateException("node " + node + " did not stop within " + STOP_DEADLINE_SECONDS
                        + " s; killed it");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a temporary directory: what is left goes with the next clean of /tmp
        }
    }
}
