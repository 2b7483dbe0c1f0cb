package dev.corvid.client.routing;

import dev.corvid.client.MasterUnavailableException;
import dev.corvid.client.NodeUnreachableException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;

/** The exceptions a write throws when it cannot fail over, with messages that say why. */
final class Failover {

    private Failover() {
    }

    /**
     * The master is down and the behavior forbids writing to a replica. RavenDB's words first, with
     * the HTTP verb RavenDB would have used for the operation ({@code saveChanges} is a POST):
     * {@code Could not replicate POST operation to secondary node, failover behavior is: AllowReadsFromSecondaries}.
     */
    static MasterUnavailableException forbidden(String master, String operation, FailoverPolicy policy,
            StatusRuntimeException cause, boolean provablyUnsent) {
        return new MasterUnavailableException(master, "Could not replicate " + httpVerb(operation)
                + " operation to secondary node, failover behavior is: " + policy.describe()
                + " (" + operation + " on the master " + master + " failed, it is unreachable: " + describe(cause.getStatus())
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

    /** The verb of RavenDB's HTTP API for the same operation: PUT and DELETE for one document, else POST. */
    static String httpVerb(String operation) {
        return switch (operation) {
            case "Put" -> "PUT";
            case "Delete" -> "DELETE";
            default -> "POST";
        };
    }

    private static String describe(Status status) {
        return status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    }
}
