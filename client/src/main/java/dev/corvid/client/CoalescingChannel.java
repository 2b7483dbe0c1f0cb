package dev.corvid.client;

import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientStreamTracer;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The channel to one node, which folds concurrent {@code Get} calls into one RPC when the node
 * is busy. Up to {@link #MAX_IN_FLIGHT} Gets go out as they come; beyond that they wait, and the
 * next free slot sends every waiting Get (up to {@link #MAX_MERGED_IDS} ids) as one request, whose
 * answer is cut back into one answer per caller. A caller never waits for a timer: under light
 * load every Get is its own RPC, under heavy load many Gets share one RPC's transport and
 * dispatch cost on both sides (the CPU of an RPC here is several times that of reading a
 * document).
 *
 * <p>Callers see an ordinary call: their deadline, their stream tracers (the
 * {@link SendTracker} of a merged call learns when the merged stream is created), their status
 * and trailers. A merged RPC that fails for a reason other than "node down" is sent again one
 * call per caller, so one caller's bad id fails only that caller. Every other method passes
 * straight through.
 */
final class CoalescingChannel extends Channel {

    /** Gets sent to the node at once before later ones wait to be merged. */
    static final int MAX_IN_FLIGHT = 4;
    /** At most this many ids in a merged Get (the node answers small Gets on its transport thread). */
    static final int MAX_MERGED_IDS = 16;

    private final Channel delegate;
    private final MethodDescriptor<GetRequest, GetResponse> getMethod = DocumentsGrpc.getGetMethod();
    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private final ArrayDeque<PendingGet> waiting = new ArrayDeque<>();
    /** Guarded by {@link #lock}. */
    private int inFlight;

    CoalescingChannel(Channel delegate) {
        this.delegate = delegate;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <Q, A> ClientCall<Q, A> newCall(MethodDescriptor<Q, A> method, CallOptions options) {
        if (method.getFullMethodName().equals(getMethod.getFullMethodName())) {
            return (ClientCall<Q, A>) new PendingGet(options);
        }
        return delegate.newCall(method, options);
    }

    @Override
    public String authority() {
        return delegate.authority();
    }

    /** Queues a Get whose request is complete, and sends what a free slot allows. */
    private void submit(PendingGet get) {
        List<PendingGet> batch;
        synchronized (lock) {
            waiting.add(get);
            batch = takeBatchIfSlotFree();
        }
        send(batch);
    }

    /** A finished RPC frees its slot; the next batch goes out on it. */
    private void slotFreed() {
        List<PendingGet> batch;
        synchronized (lock) {
            inFlight--;
            batch = takeBatchIfSlotFree();
        }
        send(batch);
    }

    /** Guarded by {@link #lock}. Empty when no slot is free or nothing waits. */
    private List<PendingGet> takeBatchIfSlotFree() {
        if (inFlight >= MAX_IN_FLIGHT || waiting.isEmpty()) {
            return List.of();
        }
        List<PendingGet> batch = new ArrayList<>();
        int ids = 0;
        while (!waiting.isEmpty()) {
            PendingGet next = waiting.peek();
            int size = next.request.getIdsCount();
            if (!batch.isEmpty() && ids + size > MAX_MERGED_IDS) {
                break;
            }
            batch.add(waiting.poll());
            ids += size;
        }
        inFlight++;
        return batch;
    }

    private void send(List<PendingGet> batch) {
        if (batch.isEmpty()) {
            return;
        }
        List<PendingGet> live = new ArrayList<>(batch.size());
        for (PendingGet g : batch) {
            if (g.isExpired()) {
                g.finish(Status.DEADLINE_EXCEEDED.withDescription("deadline exceeded while waiting to be sent"), new Metadata());
            } else if (!g.isCancelled()) {
                live.add(g);
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

    /** One caller's Get as its own RPC, with the caller's options. */
    private void sendAlone(PendingGet get, Runnable done) {
        ClientCall<GetRequest, GetResponse> call = delegate.newCall(getMethod, get.options.withExecutor(Runnable::run));
        call.start(new ClientCall.Listener<>() {
            private GetResponse response;

            @Override
            public void onMessage(GetResponse message) {
                response = message;
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                done.run();
                if (status.isOk() && response == null) {
                    status = Status.INTERNAL.withDescription("the node answered a Get with no message");
                }
                if (status.isOk()) {
                    get.answer(response, trailers);
                } else {
                    get.finish(status, trailers);
                }
            }
        }, get.headers);
        call.request(1);
        call.sendMessage(get.request);
        call.halfClose();
    }

    /** Several callers' Gets as one RPC; its answer is cut back into theirs. */
    private void sendMerged(List<PendingGet> batch) {
        GetRequest.Builder merged = GetRequest.newBuilder();
        Deadline deadline = null;
        CallOptions options = CallOptions.DEFAULT.withExecutor(Runnable::run);
        for (PendingGet g : batch) {
            merged.addAllIds(g.request.getIdsList());
            Deadline d = g.options.getDeadline();
            if (d != null && (deadline == null || d.isBefore(deadline))) {
                deadline = d;
            }
            for (ClientStreamTracer.Factory tracer : g.options.getStreamTracerFactories()) {
                options = options.withStreamTracerFactory(tracer);
            }
        }
        if (deadline != null) {
            options = options.withDeadline(deadline);
        }
        ClientCall<GetRequest, GetResponse> call = delegate.newCall(getMethod, options);
        call.start(new ClientCall.Listener<>() {
            private GetResponse response;

            @Override
            public void onMessage(GetResponse message) {
                response = message;
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                if (status.isOk() && response != null && response.getResultsCount() == merged.getIdsCount()) {
                    slotFreed();
                    int from = 0;
                    for (PendingGet g : batch) {
                        int to = from + g.request.getIdsCount();
                        g.answer(GetResponse.newBuilder().addAllResults(response.getResultsList().subList(from, to)).build(), trailers);
                        from = to;
                    }
                } else if (SendTracker.isServerDown(status.asRuntimeException())) {
                    slotFreed();
                    batch.forEach(g -> g.finish(status, trailers));
                } else {
                    // One caller's bad request (or an answer too large when merged): each on its own.
                    sendEachAlone(batch);
                }
            }
        }, new Metadata());
        call.request(1);
        call.sendMessage(merged.build());
        call.halfClose();
    }

    /** Sends each Get alone, one after the other, on the slot the merged call held. */
    private void sendEachAlone(List<PendingGet> batch) {
        if (batch.isEmpty()) {
            slotFreed();
            return;
        }
        sendAlone(batch.get(0), () -> sendEachAlone(batch.subList(1, batch.size())));
    }

    /**
     * One caller's Get, as the caller's stub sees it. Its answer is delivered through the call's
     * executor (the caller's own thread for a blocking stub).
     */
    private final class PendingGet extends ClientCall<GetRequest, GetResponse> {

        private final CallOptions options;
        private final Executor executor;
        private Listener<GetResponse> listener;
        private Metadata headers;
        private GetRequest request;
        private final AtomicBoolean done = new AtomicBoolean();

        PendingGet(CallOptions options) {
            this.options = options;
            Executor given = options.getExecutor();
            this.executor = given != null ? given : Runnable::run;
        }

        @Override
        public void start(Listener<GetResponse> responseListener, Metadata headers) {
            this.listener = responseListener;
            this.headers = headers;
        }

        @Override
        public void request(int numMessages) {
            // one answer, delivered when it comes
        }

        @Override
        public void sendMessage(GetRequest message) {
            if (request != null) {
                throw new IllegalStateException("a Get carries one request");
            }
            request = message;
        }

        @Override
        public void halfClose() {
            if (request == null) {
                finish(Status.INTERNAL.withDescription("a Get was closed without a request"), new Metadata());
                return;
            }
            submit(this);
        }

        @Override
        public void cancel(String message, Throwable cause) {
            Status status = Status.CANCELLED;
            if (message != null) {
                status = status.withDescription(message);
            }
            finish(status.withCause(cause), new Metadata());
        }

        boolean isCancelled() {
            return done.get();
        }

        boolean isExpired() {
            Deadline deadline = options.getDeadline();
            return deadline != null && deadline.isExpired();
        }

        void answer(GetResponse response, Metadata trailers) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            executor.execute(() -> {
                listener.onHeaders(new Metadata());
                listener.onMessage(response);
                listener.onClose(Status.OK, trailers);
            });
        }

        void finish(Status status, Metadata trailers) {
            if (!done.compareAndSet(false, true)) {
                return;
            }
            executor.execute(() -> listener.onClose(status, trailers));
        }
    }
}
