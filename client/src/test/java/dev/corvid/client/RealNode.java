package dev.corvid.client;

import dev.corvid.node.CorvidNode;
import dev.corvid.proto.NodeStats;
import dev.corvid.probe.NodeProbe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real standalone node per test class, on a loopback port with its own data directory, plus
 * the stores a test opens (closed after each test). Register with
 * {@code @RegisterExtension static final RealNode NODE = new RealNode();}.
 */
final class RealNode implements BeforeAllCallback, AfterAllCallback, AfterEachCallback {

    private Path dataDir;
    private CorvidNode node;
    private NodeProbe probe;
    private final List<DocumentStore> stores = new ArrayList<>();

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        dataDir = Files.createTempDirectory("corvid-client-test");
        node = CorvidNode.standalone(dataDir);
        probe = new NodeProbe(node.name(), node.address());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        stores.forEach(DocumentStore::close);
        stores.clear();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        probe.close();
        node.close();
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    String address() {
        return node.address();
    }

    /** An initialized store on this node, closed after the test. */
    DocumentStore store() {
        return store(s -> { });
    }

    /** A store on this node, configured by {@code configure} and then initialized; closed after the test. */
    DocumentStore store(Consumer<DocumentStore> configure) {
        DocumentStore store = new DocumentStore(node.address());
        stores.add(store);
        configure.accept(store);
        return store.initialize();
    }

    /** The node's counters (the Stats RPC). */
    NodeStats stats() {
        return probe.stats();
    }
}
