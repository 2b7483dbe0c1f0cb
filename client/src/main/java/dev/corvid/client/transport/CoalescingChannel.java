package dev.corvid.client.transport;

import dev.corvid.proto.BatchManyRequest;
import dev.corvid.proto.BatchOutcome;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResponse;
import dev.corvid.proto.WriteResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The channel to one node, which folds concurrent calls into one RPC when the node is busy: the
 * client-side counterpart of the node's group commit. Per kind of call, up to
 * {@link #MAX_IN_FLIGHT} RPCs go out as calls come; beyond that, calls wait, and the next free
 * slot sends every waiting call (within a size limit) as one RPC, whose answer is cut back into
 * one answer per caller. A caller never waits for a timer: under light load each call is its
 * own RPC; under heavy load many calls share one RPC's transport and dispatch cost on both sides
 * (here, several times the cost of reading or writing a document).
 *
 * <p>Folded: {@code Get} (ids concatenated, at most the node's {@link NodeLimits#maxDirectGetIds()}, so
 * a merged Get is still answered on the node's transport thread; answers in request order) and {@code Batch} (sent as
 * {@code BatchMany}: each batch stays atomic on its own and gets its own outcome). Every other
 * method passes straight through.
 *
 * <p>Callers see an ordinary call: their deadline, their stream tracers (so the
 * {@link SendTracker} of each caller of a merged RPC learns whether its stream was created),
 * their own status and trailers. A merged Get that fails for a reason other than "node down" is
 * sent again one call per caller, so one caller's bad id fails only that caller; a merged Batch
 * is re-sent alone only when the node does not know {@code BatchMany} (nothing was written).
 *
 * <p>Given an {@link ExchangeStream}, the Gets, Batches and BatchManys this channel sends (merged
 * or alone) travel as calls of the node's one long-lived Exchange stream instead of RPCs of their
 * own, with the same answers, deadlines and "provably unsent" semantics.
 */
final class CoalescingChannel extends Channel {

    /** RPCs of one kind sent to the node at once before later calls wait to be merged. */
    static final int MAX_IN_FLIGHT = 4;
    /** At most this many batches in one BatchMany. */
    static final int MAX_MERGED_BATCHES = 64;
    /** At most this many request bytes in one BatchMany (a lone larger batch goes alone). */
    static final int MAX_MERGED_BATCH_BYTES = 1 << 20;

    private final Channel delegate;
    /** Carries the RPCs of both lanes when set; else each is a unary RPC of its own. */
    private final ExchangeStream exchange;
    private final KnownLimits limits;
    private final Lane<GetRequest, GetResponse> gets = new GetLane();
    private final Lane<BatchRequest, WriteResponse> batches = new BatchLane();

    /** Sends every RPC as a unary call of its own. */
    CoalescingChannel(Channel delegate, KnownLimits limits) {
        this(delegate, null, limits);
    }

    /** Sends Gets and Batches over {@code exchange} (while the node knows it), the rest as unary calls. */
    CoalescingChannel(Channel delegate, ExchangeStream exchange, KnownLimits limits) {
        this.delegate = delegate;
        this.exchange = exchange;
        this.limits = limits;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <Q, A> ClientCall<Q, A> newCall(MethodDescriptor<Q, A> method, CallOptions options) {
        String name = method.getFullMethodName();
        if (name.equals(gets.method.getFullMethodName())) {
            return (ClientCall<Q, A>) new PendingCall<>(gets, options);
        }
        if (name.equals(batches.method.getFullMethodName())) {
            return (ClientCall<Q, A>) new PendingCall<>(batches, options);
        }
        return delegate.newCall(method, options);
    }

    @Override
    public String authority() {
        return delegate.authority();
    }

    /** Ends the Exchange stream, if there is one; the channel underneath is the caller's to shut down. */
    void close() {
        if (exchange != null) {
            exchange.close();
        }
    }

    /** Calls waiting for a slot (Gets and Batches), for tests. */
    int waiting() {
        return gets.waitingCount() + batches.waitingCount();
    }

    /** One kind of foldable call: its queue, its slots and how its requests merge. */
    private abstract class Lane<Q, A> {

        final MethodDescriptor<Q, A> method;
        private final Object lock = new Object();
        /** Guarded by {@link #lock}. */
        private final ArrayDeque<PendingCall<Q, A>> waiting = new ArrayDeque<>();
        /** Guarded by {@link #lock}. */
        private int inFlight;

        Lane(MethodDescriptor<Q, A> method) {
            this.method = method;
        }

        /** The weight of a request against {@link #fits}: ids, bytes. */
        abstract int size(Q request);

        /** Whether a request of {@code size} may join a merged RPC already holding {@code count} requests of {@code total}. */
        abstract boolean fits(int count, int total, int size);

        /** Whether {@code next} may share a merged RPC whose first request is {@code first}. */
        boolean alike(Q first, Q next) {
            return true;
        }

        /** Sends several callers' requests as one RPC; must call {@link #slotFreed()} once when done. */
        abstract void sendMerged(List<PendingCall<Q, A>> batch);

        int waitingCount() {
            synchronized (lock) {
                return waiting.size();
            }
        }

        /** Queues a call whose request is complete, and sends what a free slot allows. */
        void submit(PendingCall<Q, A> call) {
            List<PendingCall<Q, A>> batch;
            synchronized (lock) {
                waiting.add(call);
                batch = takeBatchIfSlotFree();
            }
            send(batch);
        }

        /** A finished RPC frees its slot; the next batch goes out on it. */
        void slotFreed() {
            List<PendingCall<Q, A>> batch;
            synchronized (lock) {
                inFlight--;
                batch = takeBatchIfSlotFree();
            }
            send(batch);
        }

        /** Guarded by {@link #lock}. Empty when no slot is free or nothing waits. */
        private List<PendingCall<Q, A>> takeBatchIfSlotFree() {
            if (inFlight >= MAX_IN_FLIGHT || waiting.isEmpty()) {
                return List.of();
            }
            List<PendingCall<Q, A>> batch = new ArrayList<>();
            int total = 0;
            while (!waiting.isEmpty()) {
                int size = size(waiting.peek().request);
                if (!batch.isEmpty() && (!fits(batch.size(), total, size)
                        || !alike(batch.get(0).request, waiting.peek().request))) {
                    break;
                }
                batch.add(waiting.poll());
                total += size;
            }
            inFlight++;
            return batch;
        }

        private void send(List<PendingCall<Q, A>> batch) {
            if (batch.isEmpty()) {
                return;
            }
            List<PendingCall<Q, A>> live = new ArrayList<>(batch.size());
            for (PendingCall<Q, A> call : batch) {
                if (call.isExpired()) {
                    call.fail(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded while waiting to be sent"), new Metadata());
                } else if (!call.isDone()) {
                    live.add(call);
                }
            }
            if (live.isEmpty()) {
                slotFreed();
            } else if (live.size() == 1) {
                sendAlone(live.get(0), this::slotFreed);
            } else {
                sendMerged(live);
            }
        }

        /** One caller's call as its own RPC, with the caller's options; {@code done} runs when it ends. */
        void sendAlone(PendingCall<Q, A> call, Runnable done) {
            unary(method, call.options.withExecutor(Runnable::run), call.headers, call.request, (status, answer, trailers) -> {
                done.run();
                if (status.isOk()) {
                    call.answer(answer, trailers);
                } else {
                    call.fail(status, trailers);
                }
            });
        }

        /** Sends each call alone, one after the other, on the slot a merged RPC held. */
        void sendEachAlone(List<PendingCall<Q, A>> calls) {
            if (calls.isEmpty()) {
                slotFreed();
                return;
            }
            sendAlone(calls.get(0), () -> sendEachAlone(calls.subList(1, calls.size())));
        }

        /**
         * The options of a merged RPC: the earliest of the callers' deadlines, the largest answer
         * any of them accepts, and every caller's stream tracers (each {@link SendTracker} sees the
         * one stream they share).
         */
        CallOptions mergedOptions(List<PendingCall<Q, A>> batch) {
            CallOptions options = CallOptions.DEFAULT.withExecutor(Runnable::run);
            Deadline deadline = null;
            Integer maxAnswer = null;
            for (PendingCall<Q, A> call : batch) {
                Deadline d = call.options.getDeadline();
                if (d != null && (deadline == null || d.isBefore(deadline))) {
                    deadline = d;
                }
                Integer max = call.options.getMaxInboundMessageSize();
                if (max != null && (maxAnswer == null || max > maxAnswer)) {
                    maxAnswer = max;
                }
            }
            options = deadline != null ? options.withDeadline(deadline) : options;
            options = maxAnswer != null ? options.withMaxInboundMessageSize(maxAnswer) : options;
            return SendTracker.shareTrackers(options, batch.stream().map(call -> call.options).toList());
        }
    }

    private final class GetLane extends Lane<GetRequest, GetResponse> {

        GetLane() {
            super(DocumentsGrpc.getGetMethod());
        }

        @Override
        int size(GetRequest request) {
            return request.getIdsCount();
        }

        @Override
        boolean fits(int count, int total, int size) {
            return total + size <= limits.current().maxDirectGetIds();
        }

        @Override
        void sendMerged(List<PendingCall<GetRequest, GetResponse>> batch) {
            GetRequest.Builder merged = GetRequest.newBuilder();
            batch.forEach(call -> merged.addAllIds(call.request.getIdsList()));
            unary(method, mergedOptions(batch), new Metadata(), merged.build(), (status, answer, trailers) -> {
                if (status.isOk() && answer.getResultsCount() == merged.getIdsCount()) {
                    slotFreed();
                    int from = 0;
                    for (PendingCall<GetRequest, GetResponse> call : batch) {
                        int to = from + call.request.getIdsCount();
                        call.answer(GetResponse.newBuilder().addAllResults(answer.getResultsList().subList(from, to)).build(), trailers);
                        from = to;
                    }
                } else if (!status.isOk() && SendTracker.isServerDown(status)) {
                    slotFreed();
                    batch.forEach(call -> call.fail(status, trailers));
                } else {
                    sendEachAlone(batch); // one caller's bad id, or an answer too large once merged
                }
            });
        }
    }

    private final class BatchLane extends Lane<BatchRequest, WriteResponse> {

        BatchLane() {
            super(DocumentsGrpc.getBatchMethod());
        }

        @Override
        int size(BatchRequest request) {
            return request.getSerializedSize();
        }

        @Override
        boolean fits(int count, int total, int size) {
            return count < MAX_MERGED_BATCHES && total + size <= MAX_MERGED_BATCH_BYTES;
        }

        /**
         * Only batches with the same options share a BatchMany: its answer waits for its slowest
         * batch, so a batch that waits for replicas (write assurance) must not hold back one that
         * does not.
         */
        @Override
        boolean alike(BatchRequest first, BatchRequest next) {
            return first.getOptions().equals(next.getOptions());
        }

        @Override
        void sendMerged(List<PendingCall<BatchRequest, WriteResponse>> batch) {
            BatchManyRequest.Builder merged = BatchManyRequest.newBuilder();
            batch.forEach(call -> merged.addBatches(call.request));
            unary(DocumentsGrpc.getBatchManyMethod(), mergedOptions(batch), new Metadata(), merged.build(),
                    (status, answer, trailers) -> {
                        if (status.getCode() == Status.Code.UNIMPLEMENTED) {
                            sendEachAlone(batch); // a node without BatchMany: it wrote nothing
                            return;
                        }
                        slotFreed();
                        if (status.isOk() && answer.getOutcomesCount() != batch.size()) {
                            status = Status.INTERNAL.withDescription("BatchMany answered " + answer.getOutcomesCount()
                                    + " outcomes for " + batch.size() + " batches");
                        }
                        if (!status.isOk()) {
                            // Not per batch: whatever happened to the RPC happened to every batch in it.
                            Status failure = status;
                            batch.forEach(call -> call.fail(failure, trailers));
                            return;
                        }
                        for (int i = 0; i < batch.size(); i++) {
                            BatchOutcome outcome = answer.getOutcomes(i);
                            if (outcome.hasResponse()) {
                                batch.get(i).answer(outcome.getResponse(), new Metadata());
                            } else {
                                StatusRuntimeException error = StatusProto.toStatusRuntimeException(outcome.getError());
                                batch.get(i).fail(error.getStatus(), error.getTrailers());
                            }
                        }
                    });
        }
    }

    /** The end of a unary RPC: its status, its answer (null unless OK) and trailers. */
    @FunctionalInterface
    private interface UnaryEnd<A> {
        void ended(Status status, A answer, Metadata trailers);
    }

    /**
     * Starts one RPC on the node, over the Exchange stream when there is one; {@code end} runs on
     * the transport thread.
     */
    private <Q, A> void unary(MethodDescriptor<Q, A> method, CallOptions options, Metadata headers, Q request, UnaryEnd<A> end) {
        if (exchange == null
                || !exchange.offer(method, options, request, end::ended, () -> unaryCall(method, options, headers, request, end))) {
            unaryCall(method, options, headers, request, end);
        }
    }

    private <Q, A> void unaryCall(MethodDescriptor<Q, A> method, CallOptions options, Metadata headers, Q request, UnaryEnd<A> end) {
        ClientCall<Q, A> call = delegate.newCall(method, options);
        call.start(new ClientCall.Listener<>() {
            private A answer;

            @Override
            public void onMessage(A message) {
                answer = message;
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                if (status.isOk() && answer == null) {
                    status = Status.INTERNAL.withDescription("the node answered " + method.getBareMethodName() + " with no message");
                }
                end.ended(status, answer, trailers);
            }
        }, headers);
        call.request(1);
        call.sendMessage(request);
        call.halfClose();
    }

    /**
     * One caller's call, as the caller's stub sees it. The answer is delivered through the
     * call's executor (the caller's own thread for a blocking stub).
     */
    private static final class PendingCall<Q, A> extends ClientCall<Q, A> {

        private final Lane<Q, A> lane;
        final CallOptions options;
        private final Executor executor;
        private final AtomicBoolean done = new AtomicBoolean();
        private Listener<A> listener;
        Metadata headers;
        Q request;

        PendingCall(Lane<Q, A> lane, CallOptions options) {
            this.lane = lane;
            this.options = options;
            Executor given = options.getExecutor();
            this.executor = given != null ? given : Runnable::run;
        }

        @Override
        public void start(Listener<A> responseListener, Metadata headers) {
            this.listener = responseListener;
            this.headers = headers;
        }

        @Override
        public void request(int numMessages) {
            // one answer, delivered when it comes
        }

        @Override
        public void sendMessage(Q message) {
            if (request != null) {
                throw new IllegalStateException("a unary call carries one request");
            }
            request = message;
        }

        @Override
        public void halfClose() {
            if (request == null) {
                fail(Status.INTERNAL.withDescription("a call was closed without a request"), new Metadata());
                return;
            }
            lane.submit(this);
        }

        @Override
        public void cancel(String message, Throwable cause) {
            Status status = Status.CANCELLED;
            if (message != null) {
                status = status.withDescription(message);
            }
            fail(status.withCause(cause), new Metadata());
        }

        boolean isDone() {
            return done.get();
        }

        boolean isExpired() {
            Deadline deadline = options.getDeadline();
            return deadline != null && deadline.isExpired();
        }

        void answer(A answer, Metadata trailers) {
            deliver(l -> {
                l.onHeaders(new Metadata());
                l.onMessage(answer);
                l.onClose(Status.OK, trailers);
            });
        }

        void fail(Status status, Metadata trailers) {
            deliver(l -> l.onClose(status, trailers));
        }

        private void deliver(Consumer<Listener<A>> delivery) {
            // A call cancelled before it was started has no listener, and gets no callback.
            if (done.compareAndSet(false, true) && listener != null) {
                executor.execute(() -> delivery.accept(listener));
            }
        }
    }
}
