package dev.corvid.node.replication;

/** A replication stream that does not come from this node's configured master. */
public final class ReplicationRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ReplicationRefusedException(String message) {
        super(message);
    }
}
