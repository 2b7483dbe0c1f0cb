package dev.corvid.client.routing;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import dev.corvid.client.BadRequestException;
import dev.corvid.client.ConcurrencyException;
import dev.corvid.client.CorvidException;
import dev.corvid.client.Etag;
import dev.corvid.client.NodeUnreachableException;
import dev.corvid.client.NotMasterException;
import dev.corvid.proto.ConcurrencyViolation;
import dev.corvid.proto.NotMaster;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/**
 * The client's half of the error table: turns a node's gRPC status into a typed exception.
 * <pre>
 *   ABORTED + ConcurrencyViolation        → ConcurrencyException(id, expected, actual)
 *   INVALID_ARGUMENT                      → BadRequestException (the node's message)
 *   FAILED_PRECONDITION + NotMaster       → NotMasterException(master address), with the node's reason:
 *                                           a write sent to a replica, or a failover write a replica
 *                                           refused because it can still reach its master (nothing
 *                                           was written; the master is up as far as the replica knows)
 *   UNAVAILABLE, DEADLINE_EXCEEDED        → NodeUnreachableException(address)
 *   anything else                         → CorvidException
 * </pre>
 * {@code NOT_FOUND} from a query is not an error for a session; the query handles it itself.
 */
final class GrpcErrors {

    private GrpcErrors() {
    }

    /**
     * @param e         what the stub threw
     * @param address   the node that was called
     * @param operation the RPC, for messages ("Get", "Batch", ...)
     */
    static CorvidException toException(StatusRuntimeException e, String address, String operation) {
        Status status = e.getStatus();
        String description = status.getDescription() == null ? "" : status.getDescription();
        switch (status.getCode()) {
            case ABORTED -> {
                ConcurrencyViolation violation = detail(e, ConcurrencyViolation.class);
                if (violation != null) {
                    return concurrency(violation, e);
                }
            }
            case INVALID_ARGUMENT -> {
                return new BadRequestException("Node " + address + " rejected " + operation + ": "
                        + (description.isEmpty() ? "bad request" : description), e);
            }
            case FAILED_PRECONDITION -> {
                NotMaster notMaster = detail(e, NotMaster.class);
                if (notMaster != null) {
                    return new NotMasterException("Node " + address + " is not the master and refuses "
                            + operation + "; the master is " + notMaster.getMasterName() + " at "
                            + notMaster.getMasterAddress() + (description.isEmpty() ? "" : " (" + description + ")"),
                            notMaster.getMasterAddress(), e);
                }
            }
            case UNAVAILABLE, DEADLINE_EXCEEDED -> {
                return new NodeUnreachableException(address, "Node " + address + " is unreachable ("
                        + status.getCode() + (description.isEmpty() ? "" : ": " + description) + ") during "
                        + operation, e);
            }
            default -> {
                // fall through to the generic error below
            }
        }
        return new CorvidException(operation + " on node " + address + " failed: " + status.getCode()
                + (description.isEmpty() ? "" : ": " + description), e);
    }

    private static ConcurrencyException concurrency(ConcurrencyViolation v, Throwable cause) {
        String op = v.getOperation() == ConcurrencyViolation.Operation.DELETE ? "DELETE" : "PUT";
        Etag expected = wireEtagOrNull(v.getExpectedEtag());
        Etag actual = wireEtagOrNull(v.getActualEtag());
        String message = op + " attempted on document '" + v.getId() + "' using a non current etag (expected "
                + expected + ", actual " + (actual == null ? "none: the document does not exist" : actual) + ")";
        return new ConcurrencyException(message, v.getId(), expected, actual, cause);
    }

    /** The etag of a violation: null when the node sent none (empty bytes) or bytes that are no etag. */
    private static Etag wireEtagOrNull(ByteString wire) {
        if (wire.isEmpty()) {
            return null;
        }
        try {
            return Etag.fromBytes(wire.toByteArray());
        } catch (IllegalArgumentException e) {
            return null; // a node sent bytes we cannot read; still report the violation
        }
    }

    private static <T extends Message> T detail(StatusRuntimeException e, Class<T> type) {
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        if (status == null) {
            return null;
        }
        for (Any any : status.getDetailsList()) {
            if (any.is(type)) {
                try {
                    return any.unpack(type);
                } catch (InvalidProtocolBufferException ex) {
                    return null;
                }
            }
        }
        return null;
    }
}
