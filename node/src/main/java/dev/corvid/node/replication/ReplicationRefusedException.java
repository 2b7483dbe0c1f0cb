package dev.corvid.node.replication;

/**
 * A replication stream that does not prove it comes from this node's configured master (or a
 * stream sent to the master itself), or, on a TLS cluster, a node that speaks for another. The
 * rpc layer answers PERMISSION_DENIED.
 */
public final class ReplicationRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ReplicationRefusedException(String message) {
        super(message);
    }
}
