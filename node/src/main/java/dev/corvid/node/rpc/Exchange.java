package dev.corvid.node.rpc;

import dev.corvid.node.config.ServingLimits;
import dev.corvid.node.security.Identity;
import dev.corvid.node.security.Role;
import dev.corvid.proto.ExchangeRequest;
import dev.corvid.proto.ExchangeResponse;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The node's side of one Exchange stream: each call goes exactly where its unary RPC would go (so
 * it is answered on the same thread, with the same result), and its answer comes back tagged with
 * its id.
 *
 * <p>Deadlines: a call's {@code timeout_micros} gives it a deadline counted from when the node reads
 * it ({@link CallDeadline}). A call whose deadline has passed when it would start (a large Get waits
 * for the pool, or for its reader, first) is answered DEADLINE_EXCEEDED and not run. A call that
 * started runs to its end: a write the node took happens, as a unary write past its deadline
 * does, and nothing inside the node waits on a caller's time.
 *
 * <p>Flow control, so that a client that does not read cannot make the node compute and keep
 * answers without end:
 * <ul>
 *   <li>an answer goes to the transport only while it is ready ({@code isReady()}); the others
 *       wait here, and go out from the transport's {@code onReady}. What the stream <em>holds</em>
 *       is these, plus the last answer handed to a transport that has not been ready since;</li>
 *   <li>while it holds {@code serving.exchangeStreamHeldBytes} or more, the node reads no more
 *       calls of the stream (it requests them one at a time, {@code disableAutoRequest}; HTTP/2
 *       flow control then stops the client from sending more than a window), and a large Get
 *       taken earlier waits, without a thread, before it reads anything;</li>
 *   <li>what all streams hold together is bounded by {@code serving.exchangeNodeHeldBytes}: a
 *       stream whose answer would go over it while its reader takes nothing is reset, and so is a
 *       stream whose reader takes nothing for {@code serving.readerStallMillis} ({@link ReaderWatch});</li>
 *   <li>a stream that is cancelled, reset or fails drops what it holds at once.</li>
 * </ul>
 * Each answer counts its serialized size plus {@value #ANSWER_OVERHEAD_BYTES} bytes for its objects.
 *
 * <p>A call larger than {@code serving.maxExchangeRequestBytes} (its Get, Batch or BatchMany
 * message, as the client measures it) fails RESOURCE_EXHAUSTED without running: a client sends
 * such a call as a unary RPC, so that it does not hold up the calls behind it on the stream.
 */
final class Exchange implements StreamObserver<ExchangeRequest> {

    /**
     * What an answer waiting here costs beyond its bytes: its message objects and queue entry. An
     * estimate of the code's memory use, not a setting.
     */
    static final int ANSWER_OVERHEAD_BYTES = 256;

    private final DocumentService documents;
    private final ServerCallStreamObserver<ExchangeResponse> out;
    private final ServingLimits limits;
    /** Largest call taken, in bytes of its Get, Batch or BatchMany message. */
    private final int maxCallBytes;
    private final Executor blocking;
    /** Bytes held by every Exchange stream of the node together. */
    private final AtomicLong nodeHeld;
    private final Consumer<Exchange> onEnd;
    private final ReaderWatch watch;
    private final Object lock = new Object();

    /** Guarded by {@link #lock}: answers waiting for the transport, in the order they were done. */
    private final ArrayDeque<ExchangeResponse> waiting = new ArrayDeque<>();
    /** Guarded by {@link #lock}: the cost of {@link #waiting}. */
    private long waitingBytes;
    /** Guarded by {@link #lock}: the cost of the last answer handed to a transport not ready since. */
    private long unflushedBytes;
    /** Guarded by {@link #lock}: large Gets taken, waiting for the stream to hold less. */
    private final ArrayDeque<LargeGet> deferred = new ArrayDeque<>();
    /** Guarded by {@link #lock}: calls taken and not answered yet. */
    private int open;
    /** Guarded by {@link #lock}: one more call was requested from the transport and has not come. */
    private boolean requested;
    /** Guarded by {@link #lock}: the client sends no more calls. */
    private boolean halfClosed;
    /** Guarded by {@link #lock}: the node is stopping; the stream ends once its calls are answered. */
    private boolean stopping;
    /** Guarded by {@link #lock}: the stream is over (cancelled, reset, failed or completed). */
    private boolean ended;
    /** Guarded by {@link #lock}: {@link #out} is done with (completed, failed, reset or cancelled). */
    private boolean closed;

    /**
     * Called in the Exchange handler: sets the stream's handlers, which gRPC takes only then.
     *
     * @param maxCallBytes the largest call taken ({@link dev.corvid.node.config.NodeSettings#maxExchangeRequestBytes()})
     */
    Exchange(DocumentService documents, ServerCallStreamObserver<ExchangeResponse> out, ServingLimits limits,
             int maxCallBytes, Executor blocking, ScheduledExecutorService timer, AtomicLong nodeHeld,
             Consumer<Exchange> onEnd) {
        this.documents = documents;
        this.out = out;
        this.limits = limits;
        this.maxCallBytes = maxCallBytes;
        this.blocking = blocking;
        this.nodeHeld = nodeHeld;
        this.onEnd = onEnd;
        this.watch = new ReaderWatch(timer, limits.readerStallMillis(), "Exchange stream", this::readerOwes, this::reset);
        out.disableAutoRequest();
        out.setOnCancelHandler(this::abandon);
        out.setOnReadyHandler(this::onReady);
    }

    /** Asks the transport for the first call. */
    void start() {
        requestMore();
    }

    /**
     * The node is stopping: answer the calls taken, answer new ones UNAVAILABLE without running
     * them, and then end UNAVAILABLE, so the client fails over.
     */
    void stop() {
        synchronized (lock) {
            stopping = true;
            endIfDone();
        }
    }

    @Override
    public void onNext(ExchangeRequest request) {
        CallDeadline deadline = CallDeadline.of(request); // its deadline counts from now
        long id = request.getCallId();
        int callBytes = callBytes(request);
        Status refused = null;
        boolean kept = true;
        synchronized (lock) {
            requested = false;
            if (ended) {
                return;
            }
            if (stopping) {
                refused = Errors.stoppingNotRun();
            } else if (callBytes > maxCallBytes) {
                refused = Errors.exchangeCallTooLarge(callBytes, maxCallBytes);
            } else if (open >= limits.maxExchangeCalls()) {
                refused = Errors.tooManyExchangeCalls(limits.maxExchangeCalls());
            } else {
                open++;
            }
            if (refused != null) {
                kept = send(ExchangeResponse.newBuilder().setCallId(id).setError(Errors.rpcStatus(refused)).build());
                if (kept) {
                    endIfDone();
                }
            }
        }
        if (!kept) {
            resetOverNodeBudget();
            return;
        }
        if (refused == null) {
            run(id, request, deadline);
        }
        requestMore();
    }

    /** The size of the call {@code request} carries, as its client measures it: the message inside. */
    private static int callBytes(ExchangeRequest request) {
        return switch (request.getCallCase()) {
            case GET -> request.getGet().getSerializedSize();
            case BATCH -> request.getBatch().getSerializedSize();
            case BATCH_MANY -> request.getBatchMany().getSerializedSize();
            default -> 0;
        };
    }

    /**
     * Starts the call, unless its time ran out already: then it is answered
     * DEADLINE_EXCEEDED without being run. A large Get goes to the pool, and is checked there.
     */
    private void run(long id, ExchangeRequest request, CallDeadline deadline) {
        if (request.hasGet() && documents.largeGet(request.getGet())) {
            offload(new LargeGet(id, request.getGet(), deadline));
        } else if (deadline.expired()) {
            answer(id, (b, ignored) -> b).onError(Errors.expiredBeforeStart());
        } else {
            dispatch(id, request);
        }
    }

    private void dispatch(long id, ExchangeRequest request) {
        if (request.hasBatch() || request.hasBatchMany()) {
            try {
                Identity.require(Role.READWRITE, "a write on an Exchange stream");
            } catch (StatusRuntimeException refused) {
                answer(id, (b, ignored) -> b).onError(refused);
                return;
            }
        }
        switch (request.getCallCase()) {
            case GET -> DocumentService.reply(answer(id, ExchangeResponse.Builder::setGet),
                    () -> documents.getAnswer(request.getGet()));
            case BATCH -> documents.batch(request.getBatch(), answer(id, ExchangeResponse.Builder::setWrite));
            case BATCH_MANY -> documents.batchMany(request.getBatchMany(), answer(id, ExchangeResponse.Builder::setBatchMany));
            default -> answer(id, (b, ignored) -> b).onError(Errors.noExchangeCall());
        }
    }

    /**
     * A Get that runs on the blocking pool, once the stream holds less than its budget, and only if
     * its time has not run out meanwhile (waiting in the pool's queue, or for the reader).
     */
    private final class LargeGet implements Runnable {
        private final long id;
        private final GetRequest request;
        private final CallDeadline deadline;

        LargeGet(long id, GetRequest request, CallDeadline deadline) {
            this.id = id;
            this.request = request;
            this.deadline = deadline;
        }

        @Override
        public void run() {
            synchronized (lock) {
                if (ended) {
                    return;
                }
                if (overBudget()) {
                    deferred.add(this); // onReady starts it again, on a thread of its own
                    return;
                }
            }
            StreamObserver<GetResponse> out = answer(id, ExchangeResponse.Builder::setGet);
            if (deadline.expired()) {
                out.onError(Errors.expiredBeforeStart());
                return;
            }
            DocumentService.reply(out, () -> documents.getAnswer(request));
        }
    }

    private void offload(LargeGet get) {
        try {
            blocking.execute(get);
        } catch (RejectedExecutionException e) {
            this.<GetResponse>answer(get.id, ExchangeResponse.Builder::setGet).onError(Errors.overloaded());
        }
    }

    /** Requests the next call, unless one is requested already or the stream holds too much. Any thread. */
    private void requestMore() {
        synchronized (lock) {
            if (requested || ended || halfClosed || overBudget()) {
                return;
            }
            requested = true;
        }
        out.request(1); // ServerCall.request may be called from any thread; outside the lock, as it may deliver
    }

    /** Guarded by {@link #lock}. */
    private boolean overBudget() {
        return waitingBytes + unflushedBytes >= limits.exchangeStreamHeldBytes();
    }

    /** Guarded by {@link #lock}: whether answers wait for a reader that is not taking them. */
    private boolean stalled() {
        return !ended && waitingBytes + unflushedBytes > 0 && !out.isReady();
    }

    private boolean readerOwes() {
        synchronized (lock) {
            return stalled();
        }
    }

    /** Where the unary handler of call {@code id} answers: into one tagged response. */
    private <A> StreamObserver<A> answer(long id, BiFunction<ExchangeResponse.Builder, A, ExchangeResponse.Builder> set) {
        return new StreamObserver<>() {
            private A answer;

            @Override
            public void onNext(A value) {
                answer = value;
            }

            @Override
            public void onError(Throwable t) {
                finish(ExchangeResponse.newBuilder().setCallId(id).setError(Errors.rpcStatus(t)).build());
            }

            @Override
            public void onCompleted() {
                finish(set.apply(ExchangeResponse.newBuilder().setCallId(id), answer).build());
            }
        };
    }

    private void finish(ExchangeResponse response) {
        int max = limits.maxExchangeAnswerBytes();
        if (response.getSerializedSize() > max) {
            response = ExchangeResponse.newBuilder().setCallId(response.getCallId())
                    .setError(Errors.rpcStatus(Errors.exchangeAnswerTooLarge(response.getSerializedSize(), max))).build();
        }
        boolean kept;
        synchronized (lock) {
            open--;
            if (ended) {
                return; // nobody reads it
            }
            kept = send(response);
            if (kept) {
                endIfDone();
            }
        }
        if (!kept) {
            resetOverNodeBudget();
        }
    }

    /** Not under {@link #lock}: resetting may run the stream's handlers. */
    private void resetOverNodeBudget() {
        watch.abort("the answers Exchange readers do not take would exceed " + limits.exchangeNodeHeldBytes()
                + " bytes on this node (serving.exchangeNodeHeldBytes)");
    }

    /**
     * Guarded by {@link #lock}: queues an answer and sends what the transport takes.
     *
     * @return false when the stream must be reset: the answer waits and the node holds too much;
     *         the stream has dropped what it held
     */
    private boolean send(ExchangeResponse response) {
        long cost = (long) response.getSerializedSize() + ANSWER_OVERHEAD_BYTES;
        waiting.add(response);
        waitingBytes += cost;
        nodeHeld.addAndGet(cost);
        drain();
        if (!waiting.isEmpty() && nodeHeld.get() > limits.exchangeNodeHeldBytes()) {
            drop();
            return false;
        }
        return true;
    }

    /** Guarded by {@link #lock}: hands the transport the waiting answers while it is ready. */
    private void drain() {
        while (!ended && out.isReady()) {
            setUnflushed(0);
            ExchangeResponse next = waiting.poll();
            if (next == null) {
                break;
            }
            long cost = (long) next.getSerializedSize() + ANSWER_OVERHEAD_BYTES;
            waitingBytes -= cost;
            nodeHeld.addAndGet(-cost);
            out.onNext(next);
            watch.progress();
            if (!out.isReady()) {
                setUnflushed(cost);
            }
        }
        if (stalled()) {
            watch.waiting();
        }
    }

    /** Guarded by {@link #lock}. */
    private void setUnflushed(long cost) {
        nodeHeld.addAndGet(cost - unflushedBytes);
        unflushedBytes = cost;
    }

    /** Guarded by {@link #lock}: the stream is over; what it held is released. */
    private void drop() {
        ended = true;
        nodeHeld.addAndGet(-(waitingBytes + unflushedBytes));
        waiting.clear();
        waitingBytes = 0;
        unflushedBytes = 0;
        deferred.clear();
        onEnd.accept(this);
    }

    /** The transport takes more: send what waits, then start deferred Gets and read calls again. */
    private void onReady() {
        List<LargeGet> resume = List.of();
        synchronized (lock) {
            if (ended) {
                return;
            }
            watch.progress();
            drain();
            endIfDone();
            if (!ended && !overBudget() && !deferred.isEmpty()) {
                resume = List.copyOf(deferred);
                deferred.clear();
            }
        }
        resume.forEach(this::offload);
        requestMore();
    }

    /** Guarded by {@link #lock}: completes the stream (UNAVAILABLE when stopping) once nothing is owed. */
    private void endIfDone() {
        if (ended || open > 0 || !waiting.isEmpty() || !(halfClosed || stopping)) {
            return;
        }
        drop();
        watch.done();
        closed = true;
        if (stopping) {
            out.onError(Errors.stopping());
        } else {
            out.onCompleted();
        }
    }

    /** The client cancelled, the stream was reset, or it failed: nobody reads the answers still owed. */
    private void abandon() {
        synchronized (lock) {
            closed = true;
            if (!ended) {
                drop();
            }
        }
        watch.done();
    }

    /** Resets the stream (see {@link StreamReset}), dropping what it holds. */
    private void reset() {
        synchronized (lock) {
            if (!ended) {
                drop();
            }
            if (!closed) {
                closed = true;
                out.onNext(StreamReset.EXCHANGE);
            }
        }
    }

    @Override
    public void onError(Throwable t) {
        abandon();
    }

    @Override
    public void onCompleted() {
        synchronized (lock) {
            halfClosed = true;
            endIfDone();
        }
    }
}
