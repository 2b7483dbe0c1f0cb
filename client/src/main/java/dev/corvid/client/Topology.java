package dev.corvid.client;

import java.util.List;

/**
 * The store's view of the servers: immutable, replaced as a whole (held in an
 * {@code AtomicReference} by {@link RequestExecutor}). The first node is the master.
 *
 * @param nodes {@code host:port} addresses, master first; never empty
 */
record Topology(List<String> nodes) {

    Topology {
        nodes = List.copyOf(nodes);
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("a topology needs at least the master's address");
        }
    }

    String master() {
        return nodes.get(0);
    }
}
