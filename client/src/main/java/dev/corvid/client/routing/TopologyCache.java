package dev.corvid.client.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last topology a store knew, on disk, one file per master address, so that a client started
 * while the master is down still knows the replicas. A missing or unreadable file is no topology;
 * a failed write is logged and otherwise ignored (the cache is a help, never a requirement).
 */
public final class TopologyCache {

    private static final Logger LOG = LoggerFactory.getLogger(TopologyCache.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Null when caching is off. */
    private final Path file;

    /**
     * @param directory where cache files live; null turns caching off
     * @param master    the master's address, which names the file
     */
    public TopologyCache(Path directory, String master) {
        this.file = directory == null ? null : directory.resolve(fileName(master));
    }

    static String fileName(String master) {
        return "topology-" + master.replaceAll("[^A-Za-z0-9.-]", "_") + ".json";
    }

    /** The cached topology, when there is a readable one for this master. */
    public Optional<Topology> load() {
        if (file == null || !Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode root = JSON.readTree(file.toFile());
            List<String> nodes = new ArrayList<>();
            root.path("nodes").forEach(n -> nodes.add(n.asText()));
            if (nodes.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new Topology(nodes));
        } catch (IOException | RuntimeException e) {
            LOG.warn("ignoring the unreadable topology cache {}: {}", file, e.toString());
            return Optional.empty();
        }
    }

    /** Replaces the cached topology atomically (write a temporary file, then move it). */
    public void save(Topology topology) {
        if (file == null) {
            return;
        }
        try {
            Files.createDirectories(file.getParent());
            ObjectNode root = JSON.createObjectNode();
            root.put("master", topology.master());
            topology.nodes().forEach(root.withArray("nodes")::add);
            root.put("savedAtMillis", System.currentTimeMillis());
            Path temp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            Files.write(temp, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root));
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not cache the topology in {}: {}", file, e.toString());
        }
    }
}
