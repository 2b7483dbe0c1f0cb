package dev.corvid.node.replication;

/**
 * A batch of an accepted replication stream holds a change whose master etag cannot come from the
 * master's sequence after what the stream already delivered: another node tag, or not strictly
 * after the change before it (the etag the replica answered, for the first). Nothing of the batch
 * is applied and the stream ends. The rpc layer answers INVALID_ARGUMENT.
 */
public final class RejectedChangeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RejectedChangeException(String message) {
        super(message);
    }
}
