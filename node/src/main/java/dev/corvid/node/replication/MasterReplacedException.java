package dev.corvid.node.replication;

/**
 * A stream proved it comes from the configured master, but under a node tag other than the one
 * this replica has applied changes from: the master's data was replaced (a wiped or restored data
 * directory). Applying its changes would mix two histories, so the replica refuses until an
 * operator wipes it (it then re-seeds) or restores the master. The rpc layer answers
 * FAILED_PRECONDITION.
 */
public final class MasterReplacedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    MasterReplacedException(String message) {
        super(message);
    }
}
