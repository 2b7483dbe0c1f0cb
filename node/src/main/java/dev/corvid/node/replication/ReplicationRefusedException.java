package dev.corvid.node.replication;

/**
 * A replication stream that does not prove it comes from this node's configured master (or a
 * stream sent to the master itself). The rpc layer answers PERMISSION_DENIED.
 */
public final class ReplicationRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ReplicationRefusedException(String message) {
        super(message);
    }
}
