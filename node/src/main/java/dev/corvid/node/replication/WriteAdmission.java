package dev.corvid.node.replication;

import dev.corvid.node.cluster.Mastership;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.storage.StorageUnavailableException;

/**
 * Whether this node takes a client write now, as its role decides: the master takes every write;
 * a replica takes only a write that says it is a failover write, and only while it cannot reach
 * its master ({@link MasterLiveness}, through the node's {@link ReplicaApplier}); it refuses every
 * other with the master's name and address, so the client can send it there. Id reservations are
 * the master's alone.
 * A write admitted {@link Admitted#AS_FAILOVER} must be followed by {@link #failoverSubmitted}.
 *
 * <p>Immutable and thread-safe; asked on the transport's threads for every write.
 */
public final class WriteAdmission {

    /** How a write that is taken is written. */
    public enum Admitted {
        /** On the master: an ordinary write. */
        AS_MASTER,
        /** On a replica that cannot reach its master: a failover write, marked so in its etag and answer. */
        AS_FAILOVER
    }

    private final NodeConfig self;
    private final Mastership mastership;
    private final ReplicaApplier inbound;

    /**
     * @param mastership who is master now, and whether it may acknowledge
     * @param inbound    on a replica, knows whether the master is reachable (unused on the master)
     */
    public WriteAdmission(NodeConfig self, Mastership mastership, ReplicaApplier inbound) {
        this.self = self;
        this.mastership = mastership;
        this.inbound = inbound;
    }

    /**
     * Decides on a client write.
     *
     * @param failoverWrite whether the client marked it as a failover write (allowed on a replica)
     * @throws NotMasterException on a replica, for a write not marked as a failover write, or for a
     *                            failover write while the master is reachable (the message says how
     *                            the replica knows)
     */
    public Admitted admit(boolean failoverWrite) {
        if (mastership.isMaster()) {
            requireLease();
            return Admitted.AS_MASTER;
        }
        if (!failoverWrite) {
            throw notMaster();
        }
        if (!inbound.enterFailoverWrite()) {
            NodeConfig master = mastership.master();
            throw new NotMasterException(self.name(), master.name(), master.address(), inbound.masterContact());
        }
        return Admitted.AS_FAILOVER;
    }

    /**
     * After a write admitted {@link Admitted#AS_FAILOVER} was handed to storage (or failed before):
     * the replica's hand-back of failover writes waits for this.
     *
     * @param written whether storage took the write
     */
    public void failoverSubmitted(boolean written) {
        inbound.failoverWriteSubmitted(written);
    }

    /**
     * Decides on an id reservation, which only the master makes (a replica's ids could collide).
     *
     * @throws NotMasterException on a replica
     */
    public void requireMaster() {
        if (!mastership.isMaster()) {
            throw notMaster();
        }
        requireLease();
    }

    /**
     * A master takes writes only while it may acknowledge them: with a Raft-decided master, while it
     * holds its epoch's lease, and not before the previous master's has surely run out.
     */
    private void requireLease() {
        if (!mastership.mayAcknowledge()) {
            throw new StorageUnavailableException("node '" + self.name() + "' is master of epoch " + mastership.epoch()
                    + " but holds no lease to acknowledge writes now (it is taking over, or was cut off from the"
                    + " majority); try again in a moment");
        }
    }

    private RuntimeException notMaster() {
        NodeConfig master = mastership.master();
        if (master.name().equals(self.name())) { // its last known epoch names it, not confirmed yet
            return new StorageUnavailableException("node '" + self.name() + "' is confirming with the cluster that it"
                    + " is still the master of epoch " + mastership.epoch() + " (it has just started); try again in a moment");
        }
        return new NotMasterException(self.name(), master.name(), master.address());
    }
}
