package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.corvid.client.routing.TopologySource;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a store learns from its topology source, and knows again from the topology cache. */
class StoreTopologyTest {

    @TempDir
    Path dir;

    @Test
    void store_learnsReplicasFromItsSource_andCachesThem() {
        TopologySource source = (master, channel, timeout) -> Optional.of(List.of("h:2", "h:3"));
        try (DocumentStore store = new DocumentStore("h:1").useTopologySource(source)) {
            store.getConventions().setTopologyCacheDirectory(dir);
            store.initialize();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                    .until(() -> store.routingState().topology().nodes().size() == 3);
            assertEquals(List.of("h:1", "h:2", "h:3"), store.routingState().topology().nodes());
        }
        try (DocumentStore later = new DocumentStore("h:1")) { // knows the replicas without asking anyone
            later.getConventions().setTopologyCacheDirectory(dir);
            later.initialize();
            assertEquals(List.of("h:1", "h:2", "h:3"), later.routingState().topology().nodes());
        }
    }
}
