package dev.corvid.node.consensus;

import java.util.Objects;

/**
 * Who is master, and since which epoch, as the Raft group decided it. Epochs start at 1 and only
 * grow; each promotion adds one, so two states of one cluster with the same epoch name the same
 * master.
 *
 * @param epoch             the current epoch, at least 1
 * @param master            the name of the node that is master in this epoch; never blank
 * @param released          the master of this epoch has given up its lease for a planned hand-over
 *                          ({@link Consensus#release()}): nobody acknowledges writes in this epoch
 *                          any more, and the next master need not wait out a lease
 * @param predecessorFenced when this epoch began, the previous master was known to hold no lease:
 *                          it had released it, or the automatic failover proved it had lapsed
 *                          (see {@link Consensus#mayAcknowledge()}). True for epoch 1, which has no
 *                          predecessor. When false, the master waits one lease after it learns of
 *                          its promotion before it acknowledges a write
 */
public record ClusterEpoch(long epoch, String master, boolean released, boolean predecessorFenced) {

    public ClusterEpoch {
        if (epoch < 1) {
            throw new IllegalArgumentException("an epoch is at least 1, was " + epoch);
        }
        Objects.requireNonNull(master, "master");
        if (master.isBlank()) {
            throw new IllegalArgumentException("the master's name is blank");
        }
    }

    /** The state of a new cluster before anything was decided: epoch 1, the configured master. */
    static ClusterEpoch bootstrap(String master) {
        return new ClusterEpoch(1, master, false, true);
    }

    /** Whether {@code other} names another epoch or another master (released alone is no change). */
    boolean differsInEpochOrMaster(ClusterEpoch other) {
        return epoch != other.epoch || !master.equals(other.master);
    }

    @Override
    public String toString() {
        return "epoch " + epoch + " (master " + master + (released ? ", released" : "") + ")";
    }
}
