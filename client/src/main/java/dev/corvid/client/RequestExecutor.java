package dev.corvid.client;

import dev.corvid.proto.DocumentsGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Every call to a node goes through here: it picks the node for the kind of operation, applies
 * the per-call deadline and maps gRPC errors to typed exceptions. One channel per node address,
 * created on first use, all shut down by {@link #close()}.
 *
 * <p>Routing today: every call goes to the master (the first address). The view of the servers is
 * one immutable {@link Topology} in an {@link AtomicReference}, read once per call.
 */
final class RequestExecutor implements AutoCloseable {

    private static final long SHUTDOWN_GRACE_MILLIS = 2_000;
    /** Matches the node's default request limit (limits.maxRequestBytes). */
    static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

    private final AtomicReference<Topology> topology;
    private final Duration timeout;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final Object lifecycle = new Object();
    /** Guarded by {@link #lifecycle}. */
    private boolean closed;

    RequestExecutor(List<String> addresses, Duration timeout) {
        this.topology = new AtomicReference<>(new Topology(addresses));
        this.timeout = timeout;
    }

    /**
     * Runs one RPC on the node chosen for {@code kind}.
     *
     * @param operation the RPC name, for error messages
     * @param call      the RPC on a stub that already carries the deadline; may throw
     *                  {@link StatusRuntimeException}, which is mapped by {@link GrpcErrors}
     */
    <R> R execute(OperationKind kind, SessionRouting routing, String operation,
            Function<DocumentsGrpc.DocumentsBlockingStub, R> call) {
        String address = chooseNode(kind, routing);
        DocumentsGrpc.DocumentsBlockingStub stub = DocumentsGrpc.newBlockingStub(channel(address))
                .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
        try {
            return call.apply(stub);
        } catch (StatusRuntimeException e) {
            throw GrpcErrors.toException(e, address, operation);
        }
    }

    /** The node for this call. Writes go to the master; so do reads until failover exists. */
    String chooseNode(OperationKind kind, SessionRouting routing) {
        return topology.get().master();
    }

    private ManagedChannel channel(String address) {
        ManagedChannel channel = channels.get(address);
        if (channel != null) {
            return channel;
        }
        synchronized (lifecycle) {
            if (closed) {
                throw new IllegalStateException("the document store is closed; open a new one");
            }
            return channels.computeIfAbsent(address,
                    a -> NettyChannelBuilder.forTarget(a).usePlaintext()
                            // a batch of documents of up to 4 MiB each comes back whole from Get
                            .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                            .build());
        }
    }

    /** Shuts every channel down, waiting briefly for calls in flight. Idempotent. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
        }
        channels.values().forEach(ManagedChannel::shutdown);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(SHUTDOWN_GRACE_MILLIS);
        for (ManagedChannel channel : channels.values()) {
            try {
                long left = deadline - System.nanoTime();
                if (left <= 0 || !channel.awaitTermination(left, TimeUnit.NANOSECONDS)) {
                    channel.shutdownNow();
                }
            } catch (InterruptedException e) {
                channel.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        channels.clear();
    }
}
