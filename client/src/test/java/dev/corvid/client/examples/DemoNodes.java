package dev.corvid.client.examples;

import com.google.protobuf.ByteString;
import dev.corvid.client.Etag;
import dev.corvid.proto.NodeStats;
import dev.corvid.probe.ClusterProbe;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The demo's view of the nodes themselves, beside the client: each node's stats (reads served, so
 * routing is visible) and whether the replicas have applied a given master version. Raw gRPC
 * calls through a {@link ClusterProbe}, no failover, so what a node says is that node's own answer.
 */
final class DemoNodes implements AutoCloseable {

    /** A demo's calls never wait long: a silent node shows as down. */
    private static final Duration CALL_DEADLINE = Duration.ofSeconds(2);
    private static final Duration REPLICATION_DEADLINE = Duration.ofSeconds(10);

    private final Map<String, String> addresses;
    private final ClusterProbe probe;

    /**
     * @param addresses    node name to host:port, master first
     * @param certificates a TLS cluster's certificates folder (the probe acts as its {@code admin}
     *                     client); null for a plaintext cluster
     */
    DemoNodes(Map<String, String> addresses, Path certificates) throws IOException {
        this.addresses = addresses;
        this.probe = new ClusterProbe(addresses, CALL_DEADLINE, certificates == null ? InsecureChannelCredentials.create()
                : TlsChannelCredentials.newBuilder()
                        .keyManager(certificates.resolve("clients/admin.pem").toFile(),
                                certificates.resolve("clients/admin-key.pem").toFile())
                        .trustManager(certificates.resolve("ca.pem").toFile())
                        .build());
    }

    String master() {
        return probe.master();
    }

    String[] urls() {
        return addresses.values().toArray(String[]::new);
    }

    /** Reads served so far per node; -1 for a node that does not answer. */
    Map<String, Long> reads() {
        Map<String, Long> reads = new LinkedHashMap<>();
        probe.nodes().forEach(name ->
                reads.put(name, probe.node(name).statsIfAnswering().map(NodeStats::getReadsServed).orElse(-1L)));
        return reads;
    }

    /** "A 2, B 2, C 2": reads each node served between two {@link #reads()}; "down" for a silent node. */
    static String readsBetween(Map<String, Long> before, Map<String, Long> after) {
        StringBuilder out = new StringBuilder();
        before.forEach((name, b) -> {
            long a = after.get(name);
            out.append(out.length() == 0 ? "" : ", ").append(name).append(' ')
                    .append(a < 0 || b < 0 ? "down" : Long.toString(a - b));
        });
        return out.toString();
    }

    /**
     * Waits (up to 10 s) until every replica that answers has applied the master's change
     * {@code masterEtag}, and so serves that version of the document it wrote.
     *
     * @return true when they all have
     */
    boolean awaitReplicated(Etag masterEtag) {
        List<String> answering = probe.replicas().stream()
                .filter(r -> probe.node(r).statsIfAnswering().isPresent()).toList();
        try {
            probe.awaitApplied(ByteString.copyFrom(masterEtag.toByteArray()), answering, REPLICATION_DEADLINE);
            return true;
        } catch (ConditionTimeoutException e) {
            return false;
        }
    }

    /** The master of the newest epoch a node names. */
    String currentMaster() {
        return probe.currentMaster();
    }

    /** The newest epoch a node names. */
    long epoch() {
        return probe.nodes().stream().map(n -> probe.node(n).statsIfAnswering().map(NodeStats::getEpoch).orElse(0L))
                .max(Long::compare).orElse(0L);
    }

    /** The node whose etag sequence {@code etag} is of (by its node tag); "?" when none answers with it. */
    String masterOfEtag(Etag etag) {
        String tag = etag.toString().substring(2, 8);
        return probe.nodes().stream().filter(n -> probe.node(n).statsIfAnswering()
                .map(s -> s.getNodeTag().equalsIgnoreCase(tag)).orElse(false)).findFirst().orElse("?");
    }

    @Override
    public void close() {
        probe.close();
    }
}
