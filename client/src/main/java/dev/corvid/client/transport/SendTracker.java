package dev.corvid.client.transport;

import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The transport's one rule for resending: a call is <em>provably unsent</em> only when it failed
 * {@code UNAVAILABLE} before any stream that could carry it was created on a connection
 * (connection refused, no route, channel in backoff). Anything else (a stream was created, or the
 * call ran out of its deadline) may have reached the node, so a write that failed so is never
 * sent to another node.
 *
 * <p>One tracker per call attempt, attached to the call's options ({@link #interceptor()}). It
 * learns "a stream was created" from gRPC ({@link ClientStreamTracer#streamCreated}) when the call
 * is its own RPC; a carrier that takes the call on a stream of its own (a merged RPC, the Exchange
 * stream) passes the news on with {@link #shareTrackers} or {@link #markPossiblySent}, and nothing
 * else in the transport decides what was sent. {@link #failure} turns a failed call into the
 * {@link CallFailedException} that carries the verdict to the caller.
 */
final class SendTracker extends ClientStreamTracer.Factory {

    private final AtomicBoolean streamCreated = new AtomicBoolean();

    @Override
    public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
        return new ClientStreamTracer() {
            @Override
            public void streamCreated(Attributes transportAttrs, Metadata headers) {
                streamCreated.set(true);
            }
        };
    }

    /** An interceptor that attaches this tracker to the call. */
    ClientInterceptor interceptor() {
        SendTracker tracker = this;
        return new ClientInterceptor() {
            @Override
            public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
                return next.newCall(method, options.withStreamTracerFactory(tracker));
            }
        };
    }

    /** Whether a stream that carries the call was created, i.e. the request may have been sent. */
    boolean streamCreated() {
        return streamCreated.get();
    }

    /** Whether the failed call provably never reached the node (see the class comment). */
    boolean provablyUnsent(StatusRuntimeException e) {
        return e.getStatus().getCode() == Status.Code.UNAVAILABLE && !streamCreated();
    }

    /** The failure of the tracked call, with the verdict on whether it was sent. */
    CallFailedException failure(StatusRuntimeException e) {
        return new CallFailedException(e, provablyUnsent(e));
    }

    /** "Server down": the failures that make reads fail over and mark the node failed. */
    static boolean isServerDown(Status status) {
        Status.Code code = status.getCode();
        return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
    }

    /**
     * {@code carrier} with the trackers (and any other stream tracers) of every call it carries, so
     * that each caller of one merged RPC learns whether the stream they share was created.
     */
    static CallOptions shareTrackers(CallOptions carrier, Iterable<CallOptions> carried) {
        CallOptions options = carrier;
        for (CallOptions call : carried) {
            for (ClientStreamTracer.Factory tracer : call.getStreamTracerFactories()) {
                options = options.withStreamTracerFactory(tracer);
            }
        }
        return options;
    }

    /**
     * Tells the trackers of a call (and any other stream tracer of it) that the call may have been
     * sent: a stream that carried it was created, though not by gRPC for this call.
     */
    static void markPossiblySent(CallOptions call) {
        ClientStreamTracer.StreamInfo info = ClientStreamTracer.StreamInfo.newBuilder().setCallOptions(call).build();
        for (ClientStreamTracer.Factory factory : call.getStreamTracerFactories()) {
            factory.newClientStreamTracer(info, new Metadata()).streamCreated(Attributes.EMPTY, new Metadata());
        }
    }
}
