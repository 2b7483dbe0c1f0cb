package dev.corvid.node.rpc;

import com.google.protobuf.Any;
import dev.corvid.node.replication.MasterReplacedException;
import dev.corvid.node.replication.RejectedChangeException;
import dev.corvid.node.replication.ReplicationRefusedException;
import dev.corvid.node.storage.BadRequestException;
import dev.corvid.node.storage.ConcurrencyViolationException;
import dev.corvid.node.storage.StorageUnavailableException;
import dev.corvid.node.storage.UnknownCollectionException;
import dev.corvid.proto.ConcurrencyViolation;
import dev.corvid.proto.NotMaster;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's one error table: every exception a request can end with, mapped to the gRPC code a
 * client should act on (see grpc-java's {@code Status.Code} for the meaning of each).
 * <pre>
 *   etag mismatch                     ABORTED              redo the read-modify-write; details: ConcurrencyViolation
 *   bad input                         INVALID_ARGUMENT     fix the request
 *   request bytes that do not parse   INVALID_ARGUMENT     fix the client (see RequestParsing); only that call ends
 *   write sent to a replica, or a     FAILED_PRECONDITION  send it to the master; details: NotMaster
 *     failover write while the
 *     replica can reach its master
 *   replication stream that does not  PERMISSION_DENIED    check the cluster config (cluster name,
 *     prove it comes from the                              master, secret) of both nodes; logged
 *     configured master                                    with the peer's address
 *   replication stream of a replaced  FAILED_PRECONDITION  wipe the replica so it re-seeds, or
 *     master (another node tag than                        restore the master's data; the master
 *     the replica applied from)                            reports the replica diverged
 *   replicated change whose etag      INVALID_ARGUMENT     a bug or a forgery: nothing of the batch
 *     cannot come from the master's                        is applied, the stream ends, logged
 *     sequence (other tag, out of order)                   with the peer's address
 *   query on an unknown collection    NOT_FOUND
 *   node starting or stopping, or     UNAVAILABLE          retry, maybe elsewhere
 *     its call queue full
 *   answer or stream over a serving   RESOURCE_EXHAUSTED   ask for less at once (raised where the
 *     limit                                                limit is, as a StatusRuntimeException)
 *   Exchange call whose deadline      DEADLINE_EXCEEDED    it was not run; retry with more time
 *     passed before it started
 *   anything else                     INTERNAL             logged here
 * </pre>
 */
final class Errors {

    private static final Logger log = LoggerFactory.getLogger(Errors.class);
    /**
     * Longest status description the node sends, in characters: 700. A description travels in a
     * trailer, percent-encoded (up to 9 bytes a character), and a trailer over a gRPC client's
     * default 8 KiB metadata limit fails the call INTERNAL ("Header size exceeded") on the client
     * instead of carrying the error; so a message that quotes a long input is cut here.
     */
    static final int MAX_DESCRIPTION_CHARS = 700;

    private Errors() {
    }

    static StatusRuntimeException toStatus(Throwable error) {
        if (error instanceof StatusRuntimeException s) {
            return s;
        }
        if (error instanceof ConcurrencyViolationException c) {
            return concurrency(c);
        }
        if (error instanceof NotMasterException n) {
            return notMaster(n);
        }
        if (error instanceof BadRequestException || error instanceof IllegalArgumentException) {
            return Status.INVALID_ARGUMENT.withDescription(description(error.getMessage())).asRuntimeException();
        }
        if (error instanceof ReplicationRefusedException) {
            return Status.PERMISSION_DENIED.withDescription(description(error.getMessage())).asRuntimeException();
        }
        if (error instanceof MasterReplacedException) {
            return Status.FAILED_PRECONDITION.withDescription(error.getMessage()).asRuntimeException();
        }
        if (error instanceof RejectedChangeException) {
            return Status.INVALID_ARGUMENT.withDescription(error.getMessage()).asRuntimeException();
        }
        if (error instanceof UnknownCollectionException) {
            return Status.NOT_FOUND.withDescription(description(error.getMessage())).asRuntimeException();
        }
        if (error instanceof StorageUnavailableException) {
            return Status.UNAVAILABLE.withDescription(description(error.getMessage())).asRuntimeException();
        }
        log.error("request failed unexpectedly", error);
        return Status.INTERNAL.withDescription(description("internal error: " + error)).asRuntimeException();
    }

    /**
     * The status of a request whose bytes do not parse as the message of {@code method} (e.g.
     * {@code corvid.v1.Documents/Put}): truncated, not protobuf, or a string field not in UTF-8.
     */
    static Status malformedRequest(String method, Throwable parseError) {
        Throwable cause = parseError;
        while (cause.getCause() != null && !(cause instanceof com.google.protobuf.InvalidProtocolBufferException)) {
            cause = cause.getCause();
        }
        return Status.INVALID_ARGUMENT.withDescription(description("the request to " + method
                + " is not a valid protobuf message: " + cause.getMessage()));
    }

    /** The status of an Exchange call whose deadline ({@code timeout_micros}) passed before the node started it. */
    static StatusRuntimeException expiredBeforeStart() {
        return Status.DEADLINE_EXCEEDED.withDescription("the call's deadline passed before the node started it; it was not run")
                .asRuntimeException();
    }

    /** {@code message}, cut to {@link #MAX_DESCRIPTION_CHARS} (never inside a surrogate pair). */
    static String description(String message) {
        if (message == null || message.length() <= MAX_DESCRIPTION_CHARS) {
            return message;
        }
        int end = MAX_DESCRIPTION_CHARS;
        if (Character.isHighSurrogate(message.charAt(end - 1))) {
            end--;
        }
        return message.substring(0, end) + "... (" + message.length() + " characters in all)";
    }

    private static StatusRuntimeException concurrency(ConcurrencyViolationException c) {
        ConcurrencyViolation detail = ConcurrencyViolation.newBuilder()
                .setOperation(c.operation() == ConcurrencyViolationException.Operation.PUT
                        ? ConcurrencyViolation.Operation.PUT : ConcurrencyViolation.Operation.DELETE)
                .setId(c.id())
                .setExpectedEtag(c.expected().toString())
                .setActualEtag(c.actual() == null ? "" : c.actual().toString())
                .build();
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.ABORTED.value())
                .setMessage(description(c.getMessage()))
                .addDetails(Any.pack(detail))
                .build());
    }

    private static StatusRuntimeException notMaster(NotMasterException n) {
        NotMaster detail = NotMaster.newBuilder()
                .setMasterName(n.masterName())
                .setMasterAddress(n.masterAddress())
                .build();
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.FAILED_PRECONDITION.value())
                .setMessage(description(n.getMessage()))
                .addDetails(Any.pack(detail))
                .build());
    }
}
