package dev.corvid.client.routing;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The store's view of the servers: immutable, replaced as a whole (held by {@link NodeSelector}).
 * The first node is the master, the others are replicas in the order reads fail over to them.
 *
 * @param nodes {@code host:port} addresses, master first, no duplicates; never empty
 * @param epoch the epoch whose master {@code nodes} starts with (see {@code ClusterTopology.epoch});
 *              0 when not known. A topology is replaced by another master only of a newer epoch.
 */
public record Topology(List<String> nodes, long epoch) {

    public Topology {
        nodes = List.copyOf(new LinkedHashSet<>(nodes));
        if (nodes.isEmpty()) {
            throw new IllegalArgumentException("a topology needs at least the master's address");
        }
    }

    /** A topology whose epoch is unknown (the urls the store was given, or a static master). */
    public Topology(List<String> nodes) {
        this(nodes, 0);
    }

    /**
     * This topology with {@code master} as master in {@code epoch}: the other nodes stay, as
     * replicas, the former master first among them.
     */
    Topology withMaster(String master, long epoch) {
        List<String> next = new ArrayList<>();
        next.add(master);
        next.addAll(nodes);
        return new Topology(next, Math.max(epoch, this.epoch));
    }

    String master() {
        return nodes.get(0);
    }

    /** The replicas, in failover order. */
    public List<String> replicas() {
        return nodes.subList(1, nodes.size());
    }

    boolean isMaster(String address) {
        return master().equals(address);
    }

    /**
     * This topology with {@code moreReplicas} added after the known ones (duplicates and the
     * master left out). The master changes only with a promotion ({@link #withMaster}); until then
     * it is the first url the store was given.
     */
    public Topology withReplicas(Collection<String> moreReplicas) {
        List<String> merged = new ArrayList<>(nodes);
        merged.addAll(moreReplicas);
        return new Topology(merged, epoch);
    }
}
