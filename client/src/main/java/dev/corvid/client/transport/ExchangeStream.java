package dev.corvid.client.transport;

import dev.corvid.proto.BatchManyRequest;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.ExchangeRequest;
import dev.corvid.proto.ExchangeResponse;
import dev.corvid.proto.GetRequest;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Carries the Get, Batch and BatchMany calls to one node over one long-lived {@code Exchange}
 * stream, instead of an HTTP/2 stream per call: on a busy client, creating, heading and closing
 * a stream per call cost more CPU than the calls' own work, on the client and on the node.
 *
 * <p>A call keeps the meaning it has as a unary RPC, which is what the rest of the client relies on:
 * <ul>
 *   <li>its answer, or the status it fails with (details and all), is what the unary RPC gives;</li>
 *   <li>its deadline travels with it ({@code timeout_micros}: the time it still has when it is
 *       sent), so the node does not run it once that is out; and it is enforced here too (the
 *       stream has none): on expiry it fails {@code DEADLINE_EXCEEDED}, and an answer that comes
 *       later is dropped;</li>
 *   <li>"provably unsent" ({@link SendTracker}) holds exactly as for a unary call: when the stream
 *       fails before gRPC created it on a connection, nothing was sent, and the calls fail
 *       {@code UNAVAILABLE} with their trackers untouched; once it was created, every call that
 *       fails with it is marked as possibly sent.</li>
 * </ul>
 * A failed stream fails every call waiting on it; the next call opens a new one. A node that does
 * not know {@code Exchange} ({@code UNIMPLEMENTED}: it ran none of the calls) gets them again as
 * unary RPCs, and so does every later call.
 */
final class ExchangeStream {

        /** The end of one call: its status, its answer (null unless OK) and its trailers. */
    @FunctionalInterface
    interface End<A> {
        void ended(Status status, A answer, Metadata trailers);
    }

    private final Channel channel;
    private final ScheduledExecutorService deadlines;
    private final KnownLimits limits;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}: the open stream, or null. */
    private Link link;
    /** Guarded by {@link #lock}. */
    private long nextCallId;
    private volatile boolean unsupported;

    /**
     * @param deadlines runs the expiry of calls' deadlines
     * @param limits    the node's limits: a request over its {@link NodeLimits#maxExchangeRequestBytes()}
     *                  goes as a unary RPC, since it would end the stream and every other caller's call
     */
    ExchangeStream(Channel channel, ScheduledExecutorService deadlines, KnownLimits limits) {
        this.channel = channel;
        this.deadlines = deadlines;
        this.limits = limits;
    }

    /**
     * Sends a call over the stream, if it carries calls of {@code method} and the node knows it.
     *
     * @param unary sends the call as a unary RPC instead; run when the node turns out not to know
     *              {@code Exchange} after the call was handed over
     * @return false when the caller must send the call as a unary RPC itself
     */
    @SuppressWarnings("unchecked")
    <Q, A> boolean offer(MethodDescriptor<Q, A> method, CallOptions options, Q request, End<A> end, Runnable unary) {
        if (unsupported || !(request instanceof com.google.protobuf.MessageLite message)
                || message.getSerializedSize() > limits.current().maxExchangeRequestBytes()) {
            return false;
        }
        ExchangeRequest.Builder call = ExchangeRequest.newBuilder();
        Function<ExchangeResponse, Object> answer;
        if (request instanceof GetRequest get && method.equals(DocumentsGrpc.getGetMethod())) {
            call.setGet(get);
            answer = r -> r.hasGet() ? r.getGet() : null;
        } else if (request instanceof BatchRequest batch && method.equals(DocumentsGrpc.getBatchMethod())) {
            call.setBatch(batch);
            answer = r -> r.hasWrite() ? r.getWrite() : null;
        } else if (request instanceof BatchManyRequest many && method.equals(DocumentsGrpc.getBatchManyMethod())) {
            call.setBatchMany(many);
            answer = r -> r.hasBatchMany() ? r.getBatchMany() : null;
        } else {
            return false;
        }
        Deadline deadline = options.getDeadline();
        if (deadline != null) {
            long left = deadline.timeRemaining(TimeUnit.MICROSECONDS);
            if (left <= 0) {
                end.ended(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded before the call was sent"), null, new Metadata());
                return true;
            }
            call.setTimeoutMicros(left);
        }
        Call pending = new Call(options, answer, (End<Object>) end, unary);
        Link on;
        synchronized (lock) {
            on = link;
            if (on == null) {
                on = new Link();
                link = on;
                on.open(); // may fail at once (and end the link) when the node is unreachable
            }
            if (on.endStatus == null) {
                long id = nextCallId++;
                Link carrier = on;
                if (deadline != null) {
                    try {
                        pending.expiry = deadlines.schedule(() -> carrier.expire(id),
                                deadline.timeRemaining(TimeUnit.NANOSECONDS), TimeUnit.NANOSECONDS);
                    } catch (RejectedExecutionException e) {
                        end.ended(Status.UNAVAILABLE.withDescription("the document store is closed"), null, new Metadata());
                        return true;
                    }
                }
                on.calls.put(id, pending);
                on.requests.onNext(call.setCallId(id).build());
                return true;
            }
        }
        on.fail(pending);
        return true;
    }

    /** Ends the open stream, failing the calls still waiting on it. */
    void close() {
        Link closing;
        synchronized (lock) {
            closing = link;
            link = null;
        }
        if (closing != null) {
            closing.requests.cancel("the document store is closed", null);
        }
    }

    /** One call on its way: where its answer goes. */
    private static final class Call {
        final CallOptions options;
        final Function<ExchangeResponse, Object> answer;
        final End<Object> end;
        final Runnable unary;
        /** Set before the call is sent. */
        ScheduledFuture<?> expiry;

        Call(CallOptions options, Function<ExchangeResponse, Object> answer, End<Object> end, Runnable unary) {
            this.options = options;
            this.answer = answer;
            this.end = end;
            this.unary = unary;
        }

        void ended(Status status, Object answer, Metadata trailers) {
            cancelExpiry();
            end.ended(status, answer, trailers);
        }

        void cancelExpiry() {
            ScheduledFuture<?> timer = expiry;
            if (timer != null) {
                timer.cancel(false);
            }
        }

        /** Tells the caller's {@link SendTracker} that the call may have been sent. */
        void markPossiblySent() {
            SendTracker.markPossiblySent(options);
        }
    }

    /** One Exchange stream and the calls waiting on it. */
    private final class Link implements ClientResponseObserver<ExchangeRequest, ExchangeResponse> {

        final Map<Long, Call> calls = new ConcurrentHashMap<>();
        ClientCallStreamObserver<ExchangeRequest> requests;
        /** Whether gRPC created the stream on a connection: then calls handed over may have reached the node. */
        final SendTracker stream = new SendTracker();
        /** How the stream ended; null while it is open. Written under {@link #lock}. */
        volatile Status endStatus;
        volatile Metadata endTrailers;

        /** Under {@link #lock}. */
        void open() {
            ClientCalls.asyncBidiStreamingCall(channel.newCall(DocumentsGrpc.getExchangeMethod(),
                    CallOptions.DEFAULT.withExecutor(Runnable::run).withStreamTracerFactory(stream)
                            .withMaxInboundMessageSize(limits.current().maxExchangeAnswerBytes())), this);
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<ExchangeRequest> requestStream) {
            this.requests = requestStream;
        }

        @Override
        public void onNext(ExchangeResponse response) {
            Call call = calls.remove(response.getCallId());
            if (call == null) {
                return; // expired meanwhile
            }
            if (response.hasError()) {
                StatusRuntimeException error = StatusProto.toStatusRuntimeException(response.getError());
                call.ended(error.getStatus(), null, error.getTrailers());
                return;
            }
            Object answer = call.answer.apply(response);
            if (answer == null) {
                call.ended(Status.INTERNAL.withDescription("the node answered a call of an Exchange stream with "
                        + response.getOutcomeCase()), null, new Metadata());
            } else {
                call.ended(Status.OK, answer, new Metadata());
            }
        }

        @Override
        public void onError(Throwable t) {
            ended(Status.fromThrowable(t), Status.trailersFromThrowable(t));
        }

        @Override
        public void onCompleted() {
            ended(Status.UNAVAILABLE.withDescription("the node ended the Exchange stream"), new Metadata());
        }

        /** The stream is over: every call still waiting fails with it (or goes unary, if the node has no Exchange). */
        private void ended(Status status, Metadata trailers) {
            synchronized (lock) {
                if (link == this) {
                    link = null;
                }
                endTrailers = trailers == null ? new Metadata() : trailers;
                endStatus = status;
            }
            if (status.getCode() == Status.Code.UNIMPLEMENTED) {
                unsupported = true;
            }
            List<Call> failed = new ArrayList<>(calls.size());
            for (Long id : List.copyOf(calls.keySet())) {
                Call call = calls.remove(id);
                if (call != null) {
                    failed.add(call);
                }
            }
            failed.forEach(this::fail);
        }

        /** Ends a call the ended stream will not answer, as {@link #ended} says. */
        void fail(Call call) {
            if (endStatus.getCode() == Status.Code.UNIMPLEMENTED) {
                call.cancelExpiry();
                call.unary.run(); // the node ran none of the calls: it does not know Exchange
                return;
            }
            if (stream.streamCreated()) {
                call.markPossiblySent();
            }
            call.ended(endStatus, null, endTrailers);
        }

        /** Call {@code id} ran out of time: it fails now, and its answer, if one comes, is dropped. */
        void expire(long id) {
            Call call = calls.remove(id);
            if (call != null) {
                if (stream.streamCreated()) {
                    call.markPossiblySent();
                }
                call.end.ended(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded waiting for the node's answer"),
                        null, new Metadata());
            }
        }
    }
}
