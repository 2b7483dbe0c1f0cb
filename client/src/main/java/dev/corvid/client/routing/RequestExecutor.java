package dev.corvid.client.routing;

import dev.corvid.client.CorvidException;
import dev.corvid.client.MasterUnavailableException;
import dev.corvid.client.NodeUnreachableException;
import dev.corvid.client.NotMasterException;
import dev.corvid.client.transport.CallFailedException;
import dev.corvid.client.transport.Connections;
import dev.corvid.proto.ClusterTopology;
import io.grpc.Deadline;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every call to a node goes through here: it picks the nodes for the kind of operation (through
 * {@link NodeSelector}), gives each attempt its deadline, runs it on the node's transport
 * ({@link Connections}), fails over on "server down" and maps gRPC errors to typed exceptions.
 *
 * <p>Retry by idempotency: a read that finds a node down is tried on the next node of its plan;
 * a write goes to another node only when the transport says it provably never left the client
 * ({@link CallFailedException#provablyUnsent()}), and only to a replica when the failover behavior
 * allows it. Any other error (concurrency, bad request, not found) is thrown as is, never retried.
 */
public final class RequestExecutor {

    /** A node did not answer ("server down"); carries what the caller needs to decide on a retry. */
    private static final class Unreachable extends Exception {
        private static final long serialVersionUID = 1L;
        final transient NodeUnreachableException error;
        final transient StatusRuntimeException status;
        final boolean provablyUnsent;
        final String address;

        Unreachable(String address, NodeUnreachableException error, StatusRuntimeException status, boolean provablyUnsent) {
            super(null, null, false, false);
            this.address = address;
            this.error = error;
            this.status = status;
            this.provablyUnsent = provablyUnsent;
        }
    }

    private final NodeSelector selector;
    private final long timeoutNanos;
    private final Connections connections;
    private final RequestObservers observers;
    private final AtomicInteger stripes = new AtomicInteger();

    /**
     * @param timeout   the deadline of each attempt on a node
     * @param observers who hears each attempt, failover and retry (metrics)
     */
    public RequestExecutor(NodeSelector selector, Duration timeout, Connections connections, RequestObservers observers) {
        this.selector = selector;
        this.timeoutNanos = timeout.toNanos();
        this.connections = connections;
        this.observers = observers;
    }

    public NodeSelector selector() {
        return selector;
    }

    /** The next session's turn in the read round-robin (never negative). */
    public int nextStripe() {
        return stripes.getAndIncrement() & Integer.MAX_VALUE;
    }

    /**
     * Runs one call on the node chosen for {@code kind}, failing over as the policy allows.
     *
     * @param operation the call's name, for error messages
     * @throws NodeUnreachableException   when no node that could serve the call answered
     * @throws MasterUnavailableException when a write found the master down and could not fail over
     */
    <R> R execute(OperationKind kind, SessionRouting routing, String operation, NodeCall<R> call) {
        return execute(kind, routing, operation, Duration.ZERO, call);
    }

    /**
     * As {@link #execute(OperationKind, SessionRouting, String, NodeCall)}, with each attempt's
     * deadline {@code extra} later than the request timeout: for a write whose node waits for
     * replicas (write assurance) before it answers.
     */
    <R> R execute(OperationKind kind, SessionRouting routing, String operation, Duration extra, NodeCall<R> call) {
        NodeSelector.State state = selector.state(); // one snapshot per call
        String master = state.topology().master();
        long timeout = timeoutNanos + extra.toNanos();
        try {
            return switch (kind) {
                case READ -> read(state, routing, operation, timeout, call);
                case WRITE -> write(state, operation, timeout, call);
                case MASTER_ONLY -> attempt(new NodeCall.Target(master, true, false), operation, timeout, call);
            };
        } catch (Unreachable u) {
            throw u.error;
        }
    }

    private <R> R read(NodeSelector.State state, SessionRouting routing, String operation, long timeout,
                       NodeCall<R> call) throws Unreachable {
        Unreachable first = null;
        String failed = null;
        for (String address : selector.readPlan(state, routing)) {
            if (failed != null) {
                observers.failedOver(failed, operation, OperationKind.READ);
            }
            failed = address;
            try {
                return attempt(new NodeCall.Target(address, state.topology().isMaster(address), false), operation,
                        timeout, call);
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

    /**
     * A write, following a promotion: when the node taken for master refuses it naming another
     * master, or does not answer while another node names a newer epoch's master, the client takes
     * that node for master and sends the write once more there. Both retries are safe: a refused
     * write was not applied, and one to an unreachable master is retried only when provably unsent.
     */
    private <R> R write(NodeSelector.State state, String operation, long timeout, NodeCall<R> call) {
        try {
            return writeOnce(state, operation, timeout, call);
        } catch (NotMasterException e) {
            if (e.getMasterAddress() != null && !e.getMasterAddress().isEmpty()
                    && selector.adoptMaster(e.getMasterAddress(), 0)) {
                observers.retried(operation, RequestObserver.Retry.NOT_MASTER);
                return writeOnce(selector.state(), operation, timeout, call);
            }
            throw e;
        } catch (MasterUnavailableException e) {
            if (discoverMaster(state)) {
                observers.retried(operation, RequestObserver.Retry.MASTER_CHANGED);
                return writeOnce(selector.state(), operation, timeout, call);
            }
            throw e;
        }
    }

    /**
     * Asks the other nodes whether a newer epoch has another master (its promotion), and takes the
     * newest such one for master. Each node gets {@link #DISCOVERY_TIMEOUT}.
     *
     * @return whether the master changed
     */
    private boolean discoverMaster(NodeSelector.State state) {
        String best = null;
        long bestEpoch = state.topology().epoch();
        for (String address : state.topology().replicas()) {
            try {
                ClusterTopology t = connections.to(address).topology(
                        Deadline.after(DISCOVERY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
                String master = t.getMaster().getAddress();
                if (t.getEpoch() > bestEpoch && !master.isEmpty() && !master.equals(state.topology().master())) {
                    best = master;
                    bestEpoch = t.getEpoch();
                }
            } catch (RuntimeException e) {
                // down too: ask the next
            }
        }
        return best != null && selector.adoptMaster(best, bestEpoch);
    }

    /** How long a node gets to say who is master, when the master did not answer a write. */
    private static final Duration DISCOVERY_TIMEOUT = Duration.ofMillis(500);

    private <R> R writeOnce(NodeSelector.State state, String operation, long timeout, NodeCall<R> call) {
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
            if (!failures.isEmpty()) {
                observers.failedOver(failures.get(failures.size() - 1).address, operation, OperationKind.WRITE);
            }
            try {
                return attempt(new NodeCall.Target(address, isMaster, !isMaster), operation, timeout, call);
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

    private <R> R attempt(NodeCall.Target target, String operation, long timeout, NodeCall<R> call)
            throws Unreachable {
        Deadline deadline = Deadline.after(timeout, TimeUnit.NANOSECONDS);
        boolean observed = !observers.isEmpty();
        long start = observed ? System.nanoTime() : 0;
        try {
            R result = call.call(connections.to(target.address()), deadline, target);
            selector.markHealthy(target.address()); // no-op unless it was a failed node's last-resort try
            if (observed) {
                observers.attempted(target.address(), operation, RequestObserver.Outcome.SUCCESS, System.nanoTime() - start);
            }
            return result;
        } catch (StatusRuntimeException e) {
            CorvidException mapped = GrpcErrors.toException(e, target.address(), operation);
            boolean unreachable = mapped instanceof NodeUnreachableException;
            if (observed) {
                observers.attempted(target.address(), operation,
                        unreachable ? RequestObserver.Outcome.UNREACHABLE : RequestObserver.Outcome.ERROR,
                        System.nanoTime() - start);
            }
            if (unreachable) {
                selector.markFailed(target.address());
                throw new Unreachable(target.address(), (NodeUnreachableException) mapped, e,
                        e instanceof CallFailedException f && f.provablyUnsent());
            }
            throw mapped;
        }
    }
}
