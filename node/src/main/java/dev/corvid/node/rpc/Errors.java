package dev.corvid.node.rpc;

import com.google.protobuf.Any;
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
 *   write sent to a replica           FAILED_PRECONDITION  send it to the master; details: NotMaster
 *   replication stream not from the   PERMISSION_DENIED    check the cluster config (cluster name,
 *     configured master                                    master, secret) of both nodes
 *   query on an unknown collection    NOT_FOUND
 *   node starting or stopping, or     UNAVAILABLE          retry, maybe elsewhere
 *     its call queue full
 *   answer or stream over a serving   RESOURCE_EXHAUSTED   ask for less at once (raised where the
 *     limit                                                limit is, as a StatusRuntimeException)
 *   anything else                     INTERNAL             logged here
 * </pre>
 */
final class Errors {

    private static final Logger log = LoggerFactory.getLogger(Errors.class);

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
            return Status.INVALID_ARGUMENT.withDescription(error.getMessage()).asRuntimeException();
        }
        if (error instanceof ReplicationRefusedException) {
            return Status.PERMISSION_DENIED.withDescription(error.getMessage()).asRuntimeException();
        }
        if (error instanceof UnknownCollectionException) {
            return Status.NOT_FOUND.withDescription(error.getMessage()).asRuntimeException();
        }
        if (error instanceof StorageUnavailableException) {
            return Status.UNAVAILABLE.withDescription(error.getMessage()).asRuntimeException();
        }
        log.error("request failed unexpectedly", error);
        return Status.INTERNAL.withDescription("internal error: " + error).asRuntimeException();
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
                .setMessage(c.getMessage())
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
                .setMessage(n.getMessage())
                .addDetails(Any.pack(detail))
                .build());
    }
}
