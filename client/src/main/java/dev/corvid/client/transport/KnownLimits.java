package dev.corvid.client.transport;

import dev.corvid.proto.ClusterTopology;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The cluster's limits as the client knows them: {@link NodeLimits#DEFAULTS} until a node's
 * {@code Topology} answer carries its own ({@code ClusterTopology.limits}), then those. One per
 * store, shared by the transports of all its nodes (the limits come from the one cluster config).
 * Read once per call, so a call is sized by one consistent set.
 */
final class KnownLimits {

    private final AtomicReference<NodeLimits> current = new AtomicReference<>(NodeLimits.DEFAULTS);

    /** The limits in force now. */
    NodeLimits current() {
        return current.get();
    }

    /** Takes the limits of a node's topology answer; one without limits changes nothing. */
    void learn(ClusterTopology topology) {
        if (topology.hasLimits()) {
            current.set(NodeLimits.of(topology.getLimits()));
        }
    }
}
