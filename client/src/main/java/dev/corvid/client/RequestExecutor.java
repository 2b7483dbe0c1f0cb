package dev.corvid.client;

import dev.corvid.proto.DocumentsGrpc;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every call to a node goes through here: it picks the nodes for the kind of operation (through
 * {@link NodeSelector}), applies the per-call deadline, fails over on "server down" and maps gRPC
 * errors to typed exceptions. One channel per node address, created on first use, all shut down
 * by {@link #close()}.
 *
 * <p>Retry by idempotency: a read that finds a node down is tried on the next node of its plan;
 * a write goes to another node only when it provably never left the client (see
 * {@link SendTracker}), and only to a replica when the failover behavior allows it. Any other
 * error (concurrency, bad request, not found) is thrown as is, never retried.
 */
final class RequestExecutor implements AutoCloseable {

    private static final long SHUTDOWN_GRACE_MILLIS = 2_000;
    /** Matches the node's default request limit (limits.maxRequestBytes). */
    static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

    /** A node did not answer ("server down"); carries what the caller needs to decide on a retry. */
    private static final class Unreachable extends Exception {
        private static final long serialVersionUID = 1L;
        final transient NodeUnreachableException error;
        final transient StatusRuntimeException status;
        final boolean provablyUnsent;

        Unreachable(NodeUnreachableException error, StatusRuntimeException status, boolean provablyUnsent) {
            super(null, null, false, false);
            this.error = error;
            this.status = status;
            this.provablyUnsent = provablyUnsent;
        }
    }

    private final NodeSelector selector;
    private final Duration timeout;
    private final ChannelFactory channelFactory;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    /** The channel calls go through, per node: it merges concurrent Gets (see {@link CoalescingChannel}). */
    private final Map<String, CoalescingChannel> callChannels = new ConcurrentHashMap<>();
    /** Expires the calls of the Exchange streams. */
    private final ScheduledThreadPoolExecutor deadlines;
    private final AtomicInteger stripes = new AtomicInteger();
    private final Object lifecycle = new Object();
    /** Guarded by {@link #lifecycle}. */
    private boolean closed;

    RequestExecutor(NodeSelector selector, Duration timeout, ChannelFactory channelFactory) {
        this.selector = selector;
        this.timeout = timeout;
        this.channelFactory = channelFactory;
        this.deadlines = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "corvid-client-deadlines");
            t.setDaemon(true);
            return t;
        });
        deadlines.setRemoveOnCancelPolicy(true); // most calls end long before their deadline
    }

    NodeSelector selector() {
        return selector;
    }

    /** The next session's turn in the read round-robin (never negative). */
    int nextStripe() {
        return stripes.getAndIncrement() & Integer.MAX_VALUE;
    }

    /**
     * Runs one RPC on the node chosen for {@code kind}, failing over as the policy allows.
     *
     * @param operation the RPC name, for error messages
     * @throws NodeUnreachableException   when no node that could serve the call answered
     * @throws MasterUnavailableException when a write found the master down and could not fail over
     */
    <R> R execute(OperationKind kind, SessionRouting routing, String operation, NodeCall<R> call) {
        NodeSelector.State state = selector.state(); // one snapshot per call
        String master = state.topology().master();
        try {
            return switch (kind) {
                case READ -> read(state, routing, operation, call);
                case WRITE -> write(state, operation, call);
                case MASTER_ONLY -> attempt(new NodeCall.Target(master, true, false), operation, call);
            };
        } catch (Unreachable u) {
            throw u.error;
        }
    }

    private <R> R read(NodeSelector.State state, SessionRouting routing, String operation, NodeCall<R> call)
            throws Unreachable {
        Unreachable first = null;
        for (String address : selector.readPlan(state, routing)) {
            try {
                return attempt(new NodeCall.Target(address, state.topology().isMaster(address), false), operation, call);
            } catch (Unreachable u) {
                if (first == null) {
                    first = u;
                } else {
                    first.error.addSuppressed(u.error);
                }
            }
        }
        assert first != null : "a read plan is never empty";
        throw first;
    }

    private <R> R write(NodeSelector.State state, String operation, NodeCall<R> call) {
        String master = state.topology().master();
        List<String> replicas = selector.replicaWritePlan(state);
        List<String> plan = new ArrayList<>();
        if (state.isFailed(master) && !replicas.isEmpty()) {
            plan.addAll(replicas); // known down: the write never goes there, so it is provably unsent
            plan.add(master);      // last resort, in case it came back before the prober noticed
        } else {
            plan.add(master);
            plan.addAll(replicas);
        }
        Unreachable masterDown = null;
        List<Unreachable> failures = new ArrayList<>();
        for (String address : plan) {
            boolean isMaster = address.equals(master);
            try {
                return attempt(new NodeCall.Target(address, isMaster, !isMaster), operation, call);
            } catch (Unreachable u) {
                if (isMaster && !selector.policy().writesToReplicas()) {
                    throw Failover.forbidden(master, operation, selector.policy(), u.status, u.provablyUnsent);
                }
                if (!u.provablyUnsent) {
                    throw Failover.maybeSent(u.error, operation);
                }
                if (isMaster) {
                    masterDown = u;
                }
                failures.add(u);
            }
        }
        Unreachable cause = masterDown != null ? masterDown : failures.get(0);
        MasterUnavailableException e = Failover.noNodeTookWrite(master, operation, selector.policy(), plan, cause.error);
        failures.stream().filter(u -> u != cause).forEach(u -> e.addSuppressed(u.error));
        throw e;
    }

    private <R> R attempt(NodeCall.Target target, String operation, NodeCall<R> call) throws Unreachable {
        SendTracker tracker = new SendTracker();
        DocumentsGrpc.DocumentsBlockingStub stub = DocumentsGrpc.newBlockingStub(callChannel(target.address()))
                .withInterceptors(tracker.interceptor())
                .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
        try {
            R result = call.call(stub, target);
            selector.markHealthy(target.address()); // no-op unless it was a failed node's last-resort try
            return result;
        } catch (StatusRuntimeException e) {
            CorvidException mapped = GrpcErrors.toException(e, target.address(), operation);
            if (SendTracker.isServerDown(e) && mapped instanceof NodeUnreachableException unreachable) {
                selector.markFailed(target.address());
                throw new Unreachable(unreachable, e, tracker.provablyUnsent(e));
            }
            throw mapped;
        }
    }

    /** The channel to {@code address}, created on first use. */
    ManagedChannel channel(String address) {
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

    private CoalescingChannel callChannel(String address) {
        CoalescingChannel channel = callChannels.get(address);
        return channel != null ? channel : callChannels.computeIfAbsent(address, a -> {
            ManagedChannel transport = channel(a);
            return new CoalescingChannel(transport, new ExchangeStream(transport, deadlines));
        });
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
        callChannels.values().forEach(CoalescingChannel::close);
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
        callChannels.clear();
        deadlines.shutdownNow();
    }
}
