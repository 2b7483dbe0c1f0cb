package dev.corvid.node.replication;

import java.util.Optional;

/** Replication progress as one node sees it, for stats and topology. */
public interface ReplicationStatus {

    /**
     * The progress of the replica named {@code replica}; empty when this node knows nothing of it
     * (a replica knows only its own progress, the master every replica's).
     */
    Optional<ReplicaProgress> progress(String replica);
}
