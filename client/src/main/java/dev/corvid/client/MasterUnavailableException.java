package dev.corvid.client;

import java.util.Set;

/**
 * A write could not be done because the master is unreachable, and the store's failover
 * behavior forbids writing to a replica, or no replica could take it. The message says which
 * behavior forbade it, in RavenDB's words ({@code Could not replicate POST operation to
 * secondary node, failover behavior is: AllowReadsFromSecondaries}); the cause is the
 * original transport failure. Nothing was written by this client's call on any replica.
 */
public class MasterUnavailableException extends NodeUnreachableException {

    private static final long serialVersionUID = 1L;

    private final transient Set<FailoverBehavior> failoverBehavior;

    /**
     * @param masterAddress    {@code host:port} of the master that did not answer
     * @param message          what happened and which behavior forbade failover
     * @param failoverBehavior the store's failover behaviors
     * @param cause            the master's transport failure
     */
    public MasterUnavailableException(String masterAddress, String message, Set<FailoverBehavior> failoverBehavior,
            Throwable cause) {
        super(masterAddress, message, cause);
        this.failoverBehavior = Set.copyOf(failoverBehavior);
    }

    /** The failover behaviors in force when the write failed. */
    public Set<FailoverBehavior> getFailoverBehavior() {
        return failoverBehavior;
    }
}
