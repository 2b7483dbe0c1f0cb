package dev.corvid.client;

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
 * Tells, after a call failed, whether its request provably never left the client. gRPC creates a
 * stream on a transport only once a connection is up ({@link ClientStreamTracer#streamCreated});
 * a call that failed {@code UNAVAILABLE} before any stream was created (connection refused, no
 * route, channel in backoff) was never sent. Anything else (a stream was created, or the call ran
 * out of its deadline) may have reached the node, so a write is not retried elsewhere.
 *
 * <p>One tracker per call attempt; install it with {@link #interceptor()}.
 */
final class SendTracker extends ClientStreamTracer.Factory {

    private final AtomicBoolean streamCreated = new AtomicBoolean();

    @Override
    public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
        return new ClientStreamTracer() {
            @Override
            public void streamCreated(io.grpc.Attributes transportAttrs, Metadata headers) {
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

    /** Whether a stream was created for the call, i.e. the request may have been sent. */
    boolean streamCreated() {
        return streamCreated.get();
    }

    /** "Server down": the failures that make reads fail over and mark the node failed. */
    static boolean isServerDown(StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
    }

    /** Whether the failed call provably never reached the node (see the class comment). */
    boolean provablyUnsent(StatusRuntimeException e) {
        return e.getStatus().getCode() == Status.Code.UNAVAILABLE && !streamCreated();
    }
}
