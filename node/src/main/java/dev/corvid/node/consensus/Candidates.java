package dev.corvid.node.consensus;

import java.util.Map;

/**
 * The nodes that could become master, and how up to date each is. Supplied by the node: it asks
 * the live nodes how far they applied the master's feed.
 */
@FunctionalInterface
public interface Candidates {

    /**
     * The data position of each live node that answered, higher is more up to date; positions of
     * different nodes must be comparable (e.g. how far each applied the current master's feed).
     * A node that did not answer is absent. The map may include the master itself; it is ignored
     * when a successor is chosen. Called from a consensus thread: on the Raft leader once the
     * master's lease lapsed, then again every {@link ConsensusSettings#candidatesRetry()} while
     * nobody answers, and once per {@link Consensus#promote(String, boolean)}. It should answer
     * within a fraction of the lease; what it takes adds to the failover time.
     *
     * @return name to position; empty when nobody answered, never null
     */
    Map<String, Long> positions();
}
