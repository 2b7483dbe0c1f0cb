package dev.corvid.client.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The on-disk topology cache. */
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
}
