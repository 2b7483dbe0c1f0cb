package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The on-disk topology cache and what a store learns from a topology source. */
class TopologyCacheTest {

    @TempDir
    Path dir;

    @Test
    void saveThenLoad_roundTrips_oneFilePerMaster() {
        Topology topology = new Topology(List.of("10.0.0.1:7001", "10.0.0.2:7002"));
        new TopologyCache(dir, "10.0.0.1:7001").save(topology);
        assertEquals(Optional.of(topology), new TopologyCache(dir, "10.0.0.1:7001").load());
        assertEquals(Optional.empty(), new TopologyCache(dir, "10.0.0.9:7001").load());
        assertTrue(Files.exists(dir.resolve("topology-10.0.0.1_7001.json")));
    }

    @Test
    void unreadableOrDisabledCache_isNoTopology() throws IOException {
        Files.writeString(dir.resolve(TopologyCache.fileName("h:1")), "{not json");
        assertEquals(Optional.empty(), new TopologyCache(dir, "h:1").load());
        TopologyCache off = new TopologyCache(null, "h:1");
        off.save(new Topology(List.of("h:1", "h:2")));
        assertEquals(Optional.empty(), off.load());
    }

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
