package dev.corvid.bench;

import dev.corvid.client.DocumentStore;
import dev.corvid.client.FailoverBehavior;
import dev.corvid.probe.ClusterProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The cluster under test, as the client sees it (one store on the whole cluster, one per
 * replica), as each node answers for itself (a {@link ClusterProbe}) and as the operator does
 * (pid files, {@code kill -9}, restart, resident memory).
 */
final class BenchCluster implements AutoCloseable {

    /** A node: its config name and {@code host:port}. */
    record Node(String name, String address) {
        static Node parse(String spec) {
            int eq = spec.indexOf('=');
            if (eq <= 0 || eq == spec.length() - 1) {
                throw new IllegalArgumentException("--node takes NAME=HOST:PORT, got '" + spec + "'");
            }
            return new Node(spec.substring(0, eq), spec.substring(eq + 1));
        }

        @Override
        public String toString() {
            return name + " (" + address + ")";
        }
    }

    private final List<Node> nodes;
    private final Path pidDir;
    private final Path topologyCache;
    private final DocumentStore store;
    private final List<DocumentStore> replicaStores = new ArrayList<>();
    private final ClusterProbe probe;
    /** The certificates folder of a TLS cluster; null for plaintext. */
    private final Path tls;

    /**
     * @param nodes  the master first, then the replicas
     * @param pidDir where {@code <name>.pid} files of the node processes are (null: memory and
     *               the failover drill are not available)
     */
    BenchCluster(List<Node> nodes, Path pidDir) throws IOException {
        this(nodes, pidDir, null);
    }

    /**
     * @param tls a TLS cluster's certificates folder, as {@code scripts/make-certs.sh} writes it (the
     *            stores present {@code clients/readwrite.p12}, the probe {@code clients/admin.pem});
     *            null for plaintext
     */
    BenchCluster(List<Node> nodes, Path pidDir, Path tls) throws IOException {
        if (nodes.size() < 2) {
            throw new IllegalArgumentException("the benchmark needs a master and at least one replica");
        }
        this.nodes = List.copyOf(nodes);
        this.pidDir = pidDir;
        this.topologyCache = Files.createTempDirectory("corvid-bench-topology");
        Map<String, String> addresses = new LinkedHashMap<>();
        nodes.forEach(n -> addresses.put(n.name(), n.address()));
        probe = new ClusterProbe(addresses, dev.corvid.probe.NodeProbe.DEFAULT_CALL_DEADLINE, probeCredentials(tls));
        this.tls = tls;
        store = certified(new DocumentStore(nodes.stream().map(Node::address).toArray(String[]::new)));
        store.getConventions().setTopologyCacheDirectory(topologyCache);
        store.initialize();
        for (Node replica : replicas()) {
            // A store given only a replica's url reads from that replica and nowhere else.
            DocumentStore s = certified(new DocumentStore(replica.address()));
            s.getConventions().setTopologyCacheDirectory(topologyCache);
            s.getConventions().setFailoverBehavior(FailoverBehavior.FAIL_IMMEDIATELY);
            replicaStores.add(s.initialize());
        }
    }

    private static final char[] STORE_PASSWORD = "changeit".toCharArray(); // make-certs.sh's, for local clusters

    private static io.grpc.ChannelCredentials probeCredentials(Path tls) throws IOException {
        if (tls == null) {
            return io.grpc.InsecureChannelCredentials.create();
        }
        return io.grpc.TlsChannelCredentials.newBuilder()
                .keyManager(tls.resolve("clients/admin.pem").toFile(), tls.resolve("clients/admin-key.pem").toFile())
                .trustManager(tls.resolve("ca.pem").toFile()).build();
    }

    /** {@code store} with the read-write client certificate and the cluster's CA, on a TLS cluster. */
    private DocumentStore certified(DocumentStore store) throws IOException {
        if (tls == null) {
            return store;
        }
        return store.setCertificate(keyStore(tls.resolve("clients/readwrite.p12")))
                .setCertificatePrivateKeyPassword(STORE_PASSWORD)
                .setTrustStore(keyStore(tls.resolve("truststore.p12")));
    }

    private static java.security.KeyStore keyStore(Path p12) throws IOException {
        try (java.io.InputStream in = Files.newInputStream(p12)) {
            java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
            store.load(in, STORE_PASSWORD);
            return store;
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot read " + p12 + ": " + e.getMessage(), e);
        }
    }

    Node master() {
        return nodes.get(0);
    }

    List<Node> replicas() {
        return nodes.subList(1, nodes.size());
    }

    List<Node> nodes() {
        return nodes;
    }

    /** A store on the whole cluster, master first, with the default failover behavior. */
    DocumentStore store() {
        return store;
    }

    /** One store per replica, each reading only from its replica; in {@link #replicas()} order. */
    List<DocumentStore> replicaStores() {
        return replicaStores;
    }

    /** Each node's own answers, beside the client: for waits on replication, not for measured work. */
    ClusterProbe probe() {
        return probe;
    }

    boolean knowsProcesses() {
        return pidDir != null;
    }

    /** The live pid of a node, from its pid file. */
    Optional<Long> pid(Node node) {
        if (pidDir == null) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(Files.readString(pidDir.resolve(node.name() + ".pid")).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(ProcessHandle::pid);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The process's peak resident set size (VmHWM) in MiB, when it can be read. */
    Optional<Double> peakRssMib(Node node) {
        return statusMib(node, "VmHWM:");
    }

    /**
     * A memory figure of the node's process from {@code /proc/<pid>/status}, in MiB: e.g.
     * {@code RssAnon:} (heap, stacks, native allocations) or {@code RssFile:} (mapped files: the
     * jar, the class-data archive, MapDB's store).
     */
    Optional<Double> statusMib(Node node, String field) {
        return pid(node).flatMap(pid -> {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                    if (line.startsWith(field)) {
                        return Optional.of(Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // no /proc (not Linux) or the process just ended
            }
            return Optional.empty();
        });
    }

    /** {@code kill -9} of a node's process; returns when it is gone. */
    void kill(Node node) throws InterruptedException {
        ProcessHandle process = pid(node).flatMap(ProcessHandle::of)
                .orElseThrow(() -> new IllegalStateException("node " + node.name() + " is not running (no live pid in " + pidDir + ")"));
        process.destroyForcibly(); // SIGKILL on Linux
        try {
            process.onExit().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("node " + node.name() + " did not die after SIGKILL", e);
        }
    }

    /** Runs the restart command for a node ({@code {node}} replaced by its name) and waits for it. */
    void restart(Node node, String commandTemplate) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bash", "-c", commandTemplate.replace("{node}", node.name()))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("restarting node " + node.name() + " failed: " + commandTemplate);
        }
    }

    @Override
    public void close() {
        replicaStores.forEach(DocumentStore::close);
        store.close();
        probe.close();
        try (var files = Files.walk(topologyCache)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temp directory left behind
        }
    }
}
