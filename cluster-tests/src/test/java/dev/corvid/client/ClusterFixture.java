package dev.corvid.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.corvid.testing.CorvidTestCluster;
import dev.corvid.probe.Ports;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.Document;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Three real node processes (A master, B and C replicas), one {@link CorvidTestCluster} shared by
 * every test class of the run that registers this extension: started once, stopped when the run
 * ends. A test states which
 * nodes it needs down with {@link #down(String...)} (killing or restarting nodes as needed), so
 * tests do not depend on each other's leftovers; stores a test opens are closed after it. {@code @RegisterExtension static final ClusterFixture CLUSTER = new ClusterFixture();}
 */
final class ClusterFixture implements BeforeAllCallback, AfterEachCallback {

    static final String A = "A";
    static final String B = "B";
    static final String C = "C";
    static final List<String> NODES = List.of(A, B, C);

    /** The run's cluster: JUnit closes it (an {@link AutoCloseable} in the root store) when the run ends. */
    private static CorvidTestCluster startCluster() {
        return CorvidTestCluster.builder().nodes(3).start();
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** An address nobody listens on (connections are refused); "nobody" in {@link #store(Consumer, String...)}. */
    static final String NOBODY = "127.0.0.1:" + Ports.freePort();

    private CorvidTestCluster cluster;
    private final List<DocumentStore> stores = new ArrayList<>();

    @Override
    public void beforeAll(ExtensionContext context) {
        cluster = context.getRoot().getStore(ExtensionContext.Namespace.create(ClusterFixture.class))
                .computeIfAbsent("cluster", k -> startCluster(), CorvidTestCluster.class);
    }

    /**
     * Makes exactly {@code nodes} down (kill -9 of those running) and every other node running
     * (restarting those that are not). {@code down()} with no argument: all running.
     */
    void down(String... nodes) {
        List<String> down = List.of(nodes);
        for (String node : NODES) {
            if (down.contains(node)) {
                cluster.kill(node);
            } else if (!cluster.isRunning(node)) {
                long t = System.nanoTime();
                cluster.restart(node);
                System.out.printf("restart of %s took %d ms%n", node, (System.nanoTime() - t) / 1_000_000);
            }
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        stores.forEach(DocumentStore::close);
        stores.clear();
    }

    String address(String node) {
        return cluster.address(node);
    }

    /** {@code kill -9} of a node, if it runs. */
    void kill(String node) {
        cluster.kill(node);
    }

    /** Starts a killed node again (same port and data); returns once it is healthy. */
    void restart(String node) {
        cluster.restart(node);
    }

    /** SIGSTOP of a running node: it keeps its connections but answers nothing. */
    void pause(String node) {
        cluster.pause(node);
    }

    /** SIGCONT of a paused node. */
    void resume(String node) {
        cluster.resume(node);
    }

    /** The node's copy of a document, read directly from it; empty when it has none (or a tombstone). */
    java.util.Optional<Document> find(String node, String id) {
        return cluster.probe().node(node).find(id);
    }

    boolean isRunning(String node) {
        return cluster.isRunning(node);
    }

    private String addressOrNobody(String node) {
        return NODES.contains(node) ? address(node) : NOBODY;
    }

    /** A fresh directory for a store's topology cache. */
    Path newCacheDirectory() {
        try {
            return Files.createTempDirectory(cluster.directory(), "topology-cache");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * An initialized store on A, B, C (in that order) with its own topology cache, configured by
     * {@code configure} before initialize; closed after the test.
     */
    DocumentStore store(Consumer<DocumentStore> configure) {
        return store(configure, A, B, C);
    }

    /** Like {@link #store(Consumer)} with the given nodes' urls, the first as master. */
    DocumentStore store(Consumer<DocumentStore> configure, String... nodes) {
        DocumentStore store = new DocumentStore(Stream.of(nodes).map(this::addressOrNobody).toArray(String[]::new));
        store.getConventions().setTopologyCacheDirectory(newCacheDirectory());
        configure.accept(store);
        stores.add(store);
        return store.initialize();
    }

    /** A store with these failover behaviors; see {@link #store(Consumer)}. */
    DocumentStore store(FailoverBehavior... behaviors) {
        return store(s -> s.getConventions().setFailoverBehavior(behaviors));
    }

    /** The node's counters. */
    NodeStats stats(String node) {
        return cluster.probe().node(node).stats();
    }

    /** Reads served so far by each running node (a killed node counts as 0). */
    Map<String, Long> reads() {
        Map<String, Long> reads = new LinkedHashMap<>();
        for (String node : NODES) {
            reads.put(node, isRunning(node) ? stats(node).getReadsServed() : 0L);
        }
        return reads;
    }

    /** Writes served so far by each running node. */
    Map<String, Long> writes() {
        Map<String, Long> writes = new LinkedHashMap<>();
        for (String node : NODES) {
            writes.put(node, isRunning(node) ? stats(node).getWritesServed() : 0L);
        }
        return writes;
    }

    /** Per node, how much {@code now} grew since {@code before}, as a list in A, B, C order. */
    static List<Long> delta(Map<String, Long> before, Map<String, Long> now) {
        return NODES.stream().map(n -> now.get(n) - before.get(n)).toList();
    }

    /**
     * Puts a document on the master, without etag check, and waits until every running replica
     * has applied that version (replication stamps each copy with the replica's own etag and the
     * master's in {@code @source-etag}).
     *
     * @return each running node's etag of the document
     */
    Map<String, Etag> seed(String id, Object entity, String collection) {
        ObjectNode body = JSON.valueToTree(entity);
        body.remove("id");
        ObjectNode metadata = JSON.createObjectNode().put("@collection", collection)
                .put("@java-type", entity.getClass().getName());
        PutCommand put = PutCommand.newBuilder().setId(id).setBodyJson(ByteString.copyFromUtf8(body.toString()))
                .setMetadataJson(ByteString.copyFromUtf8(metadata.toString())).build();
        ByteString masterEtag = cluster.probe().node(A).documents().put(PutRequest.newBuilder().setPut(put).build())
                .getResults(0).getEtag();
        List<String> running = List.of(B, C).stream().filter(this::isRunning).toList();
        cluster.probe().awaitApplied(masterEtag, running, Duration.ofSeconds(30));
        Map<String, Etag> etags = new LinkedHashMap<>();
        etags.put(A, Etag.fromBytes(masterEtag.toByteArray()));
        for (String replica : running) {
            Document copy = cluster.probe().node(replica).find(id)
                    .orElseThrow(() -> new AssertionError("replica " + replica + " applied master etag " + etags.get(A) + " but has no " + id));
            etags.put(replica, Etag.fromBytes(copy.getEtag().toByteArray()));
        }
        return etags;
    }
}
