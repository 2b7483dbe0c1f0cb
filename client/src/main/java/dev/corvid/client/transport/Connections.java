package dev.corvid.client.transport;

import io.grpc.ManagedChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A store's connections: one channel and one {@link NodeTransport} per node address, made on first
 * use, all of one kind (see {@link #exchange} and {@link #unary}), sized by one {@link KnownLimits}.
 * {@link #close()} ends them all.
 */
public final class Connections implements AutoCloseable {

    private static final long SHUTDOWN_GRACE_MILLIS = 2_000;

    private final ChannelFactory channelFactory;
    private final boolean exchange;
    private final KnownLimits limits = new KnownLimits();
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final Map<String, NodeTransport> transports = new ConcurrentHashMap<>();
    /** Expires the calls of the Exchange streams. */
    private final ScheduledThreadPoolExecutor deadlines;
    private final Object lifecycle = new Object();
    /** Guarded by {@link #lifecycle}. */
    private boolean closed;

    private Connections(ChannelFactory channelFactory, boolean exchange) {
        this.channelFactory = channelFactory;
        this.exchange = exchange;
        this.deadlines = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "corvid-client-deadlines");
            t.setDaemon(true);
            return t;
        });
        deadlines.setRemoveOnCancelPolicy(true); // most calls end long before their deadline
    }

    /** Calls over each node's Exchange stream, folded when the node is busy: the fast path. */
    public static Connections exchange(ChannelFactory channelFactory) {
        return new Connections(channelFactory, true);
    }

    /** Every call a unary gRPC call of its own, for comparison. */
    public static Connections unary(ChannelFactory channelFactory) {
        return new Connections(channelFactory, false);
    }

    /**
     * The transport to {@code address} ({@code host:port}), made on first use.
     *
     * @throws IllegalStateException once closed
     */
    public NodeTransport to(String address) {
        NodeTransport transport = transports.get(address);
        return transport != null ? transport : transports.computeIfAbsent(address, a -> {
            ManagedChannel channel = channel(a);
            return exchange ? new ExchangeTransport(channel, deadlines, limits) : new UnaryTransport(channel, channel, limits);
        });
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
            return channels.computeIfAbsent(address, channelFactory::create);
        }
    }

    /** Ends every transport and shuts every channel down, waiting briefly for calls in flight. Idempotent. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
        }
        transports.values().forEach(NodeTransport::close);
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
        transports.clear();
        deadlines.shutdownNow();
    }
}
