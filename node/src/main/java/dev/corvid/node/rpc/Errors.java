package dev.corvid.node.rpc;

import com.google.protobuf.Any;
import dev.corvid.node.replication.MasterReplacedException;
import dev.corvid.node.replication.NotMasterException;
import dev.corvid.node.replication.RejectedChangeException;
import dev.corvid.node.replication.PromotionRefusedException;
import dev.corvid.node.replication.ReplicationRefusedException;
import dev.corvid.node.storage.BadRequestException;
import dev.corvid.node.storage.ConcurrencyViolationException;
import dev.corvid.node.storage.StorageUnavailableException;
import dev.corvid.node.storage.UnknownCollectionException;
import dev.corvid.node.wire.WireEtag;
import dev.corvid.proto.ConcurrencyViolation;
import dev.corvid.proto.NotMaster;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's one error table: every status the node sends, and the exception or situation it is
 * sent for, with the gRPC code a client should act on (see grpc-java's {@code Status.Code} for the
 * meaning of each). No other class of the node builds a status.
 * <pre>
 *   etag mismatch                     ABORTED              redo the read-modify-write; details: ConcurrencyViolation
 *   bad input (BadRequestException:   INVALID_ARGUMENT     fix the request
 *     ids, JSON, etags, queries,
 *     page sizes, batches)
 *   request bytes that do not parse   INVALID_ARGUMENT     fix the client (see RequestParsing); only that call ends
 *   an Exchange call with no call     INVALID_ARGUMENT     fix the client; only that call fails
 *   write sent to a replica, or a     FAILED_PRECONDITION  send it to the master; details: NotMaster
 *     failover write while the                             (decided by WriteAdmission)
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
 *   over a serving limit: an answer   RESOURCE_EXHAUSTED   ask for less at once; an Exchange call
 *     over maxAnswerBytes or                               over its size goes as a unary call
 *     maxExchangeAnswerBytes, an
 *     Exchange call over
 *     maxExchangeRequestBytes, more
 *     than maxExchangeCalls calls or
 *     maxDigestStreams streams at once
 *   a call whose deadline passed      DEADLINE_EXCEEDED    the call was not run (or its answer dropped)
 *     before the node ran it
 *   stream reset by the node (reader  CANCELLED            what the stream held is dropped; see the
 *     stalled, node over its held bytes)                   node's log (StreamReset)
 *   a query whose caller gave up      CANCELLED            nobody reads it: the scan stopped between
 *     (cancelled, deadline passed)                         two steps (QueryCancelledException)
 *   a promotion refused (static       FAILED_PRECONDITION  set "failover" manual/automatic; promote
 *     master, master silent unforced)                      with --force when the master is gone
 *   no majority of the Raft group     UNAVAILABLE          start more nodes, or try again
 *   anything else, including an       INTERNAL             a bug in the node: logged here at ERROR
 *     IllegalArgumentException or                          with its stack trace; the client sees a
 *     IllegalStateException from                           generic description, never the exception
 *     inside the node
 * </pre>
 */
final class Errors {

    private static final Logger log = LoggerFactory.getLogger(Errors.class);
    /**
     * Longest status description the node sends, in characters: 700. A description travels in a
     * trailer, percent-encoded (up to 9 bytes a character), and a trailer over a gRPC client's
     * default 8 KiB metadata limit fails the call INTERNAL ("Header size exceeded") on the client
     * instead of carrying the error; so a message that quotes a long input is cut here. A constant
     * of the protocol, not a setting: it follows from the client's limit.
     */
    static final int MAX_DESCRIPTION_CHARS = 700;
    /** What a client is told of a bug inside the node; the node's log has the rest. */
    static final String INTERNAL_DESCRIPTION = "internal error in the node; its log has the details";

    private Errors() {
    }

    /** The status a request that ended with {@code error} fails with (see the table above). */
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
        if (error instanceof BadRequestException) {
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
        if (error instanceof PromotionRefusedException) {
            return Status.FAILED_PRECONDITION.withDescription(description(error.getMessage())).asRuntimeException();
        }
        if (error instanceof dev.corvid.node.consensus.ConsensusException) {
            return Status.UNAVAILABLE.withDescription(description(error.getMessage())).asRuntimeException();
        }
        if (error instanceof dev.corvid.node.storage.QueryCancelledException) {
            return Status.CANCELLED.withDescription(error.getMessage()).asRuntimeException();
        }
        if (error instanceof StorageUnavailableException) {
            return Status.UNAVAILABLE.withDescription(description(error.getMessage())).asRuntimeException();
        }
        log.error("request failed unexpectedly (a bug in the node; the client sees INTERNAL)", error);
        return Status.INTERNAL.withDescription(INTERNAL_DESCRIPTION).asRuntimeException();
    }

    /**
     * The status a call failing with {@code error} sends, details included, as a message: what an
     * Exchange or BatchMany answer carries in place of the call's own answer.
     */
    static com.google.rpc.Status rpcStatus(Throwable error) {
        return StatusProto.fromThrowable(toStatus(error));
    }

    /** {@code status} as a message, for a call refused before it ran. */
    static com.google.rpc.Status rpcStatus(Status status) {
        return StatusProto.fromThrowable(status.asRuntimeException());
    }

    /** A call that finds its executor's queue full, or the node stopping: UNAVAILABLE, try again (elsewhere). */
    static StatusRuntimeException overloaded() {
        return Status.UNAVAILABLE.withDescription("node is stopping or overloaded; try again").asRuntimeException();
    }

    /** A call taken on an Exchange stream while the node stops: UNAVAILABLE, not run. */
    static Status stoppingNotRun() {
        return Status.UNAVAILABLE.withDescription("node is stopping; the call was not run");
    }

    /** How an Exchange stream ends when the node stops, once its calls are answered: UNAVAILABLE. */
    static StatusRuntimeException stopping() {
        return Status.UNAVAILABLE.withDescription("node is stopping").asRuntimeException();
    }

    /**
     * An answer over {@code serving.maxAnswerBytes}: RESOURCE_EXHAUSTED.
     *
     * @param what   what was too large, e.g. "the answer is 70000000 bytes"
     * @param advice what the client can do instead
     */
    static StatusRuntimeException answerTooLarge(String what, int maxAnswerBytes, String advice) {
        return Status.RESOURCE_EXHAUSTED.withDescription(description(what + "; a node sends at most " + maxAnswerBytes
                + " bytes in one answer (serving.maxAnswerBytes): " + advice)).asRuntimeException();
    }

    /** An answer to an Exchange call over {@code serving.maxExchangeAnswerBytes}: RESOURCE_EXHAUSTED. */
    static Status exchangeAnswerTooLarge(int answerBytes, int maxExchangeAnswerBytes) {
        return Status.RESOURCE_EXHAUSTED.withDescription("the answer (" + answerBytes
                + " bytes) is larger than an Exchange stream carries (" + maxExchangeAnswerBytes
                + ", serving.maxExchangeAnswerBytes); ask for fewer documents at once");
    }

    /** An Exchange call over {@code serving.maxExchangeRequestBytes}: RESOURCE_EXHAUSTED, not run. */
    static Status exchangeCallTooLarge(int callBytes, int maxExchangeRequestBytes) {
        return Status.RESOURCE_EXHAUSTED.withDescription("the call (" + callBytes + " bytes) is larger than an Exchange"
                + " stream carries (" + maxExchangeRequestBytes + ", serving.maxExchangeRequestBytes); it was not run:"
                + " send it as a unary call");
    }

    /** More calls of one Exchange stream at once than {@code serving.maxExchangeCalls}: RESOURCE_EXHAUSTED. */
    static Status tooManyExchangeCalls(int maxExchangeCalls) {
        return Status.RESOURCE_EXHAUSTED.withDescription("more than " + maxExchangeCalls
                + " calls of one Exchange stream at once (serving.maxExchangeCalls)");
    }

    /** More Digest streams at once than {@code serving.maxDigestStreams}: RESOURCE_EXHAUSTED. */
    static StatusRuntimeException tooManyDigestStreams(int maxDigestStreams) {
        return Status.RESOURCE_EXHAUSTED.withDescription("this node serves " + maxDigestStreams
                + " Digest streams at once (serving.maxDigestStreams); try again when one is done").asRuntimeException();
    }

    /** An Exchange request that carries no call (or one this node does not know): INVALID_ARGUMENT. */
    static StatusRuntimeException noExchangeCall() {
        return Status.INVALID_ARGUMENT.withDescription("an Exchange request needs a get, batch or batch_many call")
                .asRuntimeException();
    }

    /** What a stream the node resets ends with, as its cancel handler sees it ({@link StreamReset}). */
    static Status streamReset() {
        return Status.CANCELLED.withDescription("stream reset by the node (see its log)");
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
                .setExpectedEtag(WireEtag.bytes(c.expected()))
                .setActualEtag(WireEtag.bytes(c.actual()))
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
