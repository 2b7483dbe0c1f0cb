package dev.corvid.node.consensus;

import java.io.Serial;

/**
 * The Raft group did not answer in time: no majority is reachable, an election is still under
 * way, or this node's consensus is closed. Whether the request took effect is unknown (a command
 * may still commit); read the state again before acting on it.
 */
public final class ConsensusException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    ConsensusException(String message, Throwable cause) {
        super(message, cause);
    }
}
