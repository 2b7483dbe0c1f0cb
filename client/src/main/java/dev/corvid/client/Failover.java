package dev.corvid.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;

/** The exceptions a write throws when it cannot fail over, with messages that say why. */
final class Failover {

    private Failover() {
    }

    /**
     * The master is down and the behavior forbids writing to a replica. RavenDB's words first:
     * {@code Could not replicate Batch operation to secondary node, failover behavior is: AllowReadsFromSecondaries}.
     */
    static MasterUnavailableException forbidden(String master, String operation, FailoverPolicy policy,
            StatusRuntimeException cause, boolean provablyUnsent) {
        return new MasterUnavailableException(master, "Could not replicate " + operation
                + " operation to secondary node, failover behavior is: " + policy.describe()
                + " (the master " + master + " is unreachable: " + describe(cause.getStatus())
                + (provablyUnsent ? "" : "; the write may have reached it before it stopped answering") + ")",
                policy.behaviors(), cause);
    }

    /** The master is down and every replica tried refused the connection too. */
    static MasterUnavailableException noNodeTookWrite(String master, String operation, FailoverPolicy policy,
            List<String> tried, NodeUnreachableException cause) {
        return new MasterUnavailableException(master, "The master " + master + " is unreachable and no replica could take the "
                + operation + " operation as a failover write (tried " + String.join(", ", tried)
                + "; failover behavior is: " + policy.describe() + "): " + cause.getMessage(),
                policy.behaviors(), cause);
    }

    /** A write failed in a way that does not prove it was never applied, so it is not sent elsewhere. */
    static NodeUnreachableException maybeSent(NodeUnreachableException e, String operation) {
        return new NodeUnreachableException(e.getAddress(), e.getMessage() + "; the " + operation
                + " may have reached the node, so it was not retried on another node: check its outcome"
                + " before writing it again", e.getCause());
    }

    private static String describe(Status status) {
        return status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    }
}
