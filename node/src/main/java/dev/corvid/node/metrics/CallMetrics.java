package dev.corvid.node.metrics;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Times every gRPC call a node serves, from its start to its close, as {@code corvid.rpc.calls}
 * tagged with the full method name and the status code it ended with: requests, errors and
 * latency per call and code. An {@code Exchange} stream is one call however many gets and writes
 * it carries.
 */
public final class CallMetrics implements ServerInterceptor {

    private final MeterRegistry registry;
    /** One timer per method and code, built once: a call's close only looks it up. */
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    public CallMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    private Timer timer(String method, Status.Code code) {
        return timers.computeIfAbsent(method + ' ' + code, key -> Timer.builder("corvid.rpc.calls")
                .description("gRPC calls served, by method and status code")
                .tag("method", method)
                .tag("code", code.name())
                .register(registry));
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        long start = System.nanoTime();
        String method = call.getMethodDescriptor().getFullMethodName();
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                timer(method, status.getCode()).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                super.close(status, trailers);
            }
        }, headers);
    }
}
