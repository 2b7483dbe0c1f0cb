package dev.corvid.client.routing;

import dev.corvid.client.MaxRequestsExceededException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The calls of one session (or of the store itself): counts them against the request budget and
 * hands them to the {@link RequestExecutor} with the session's routing.
 */
public final class RequestContext {

    private final RequestExecutor executor;
    private final SessionRouting routing;
    private final int maxRequests;
    private final AtomicInteger requests = new AtomicInteger();
    private volatile boolean closed;

    /**
     * @param maxRequests the budget; {@link Integer#MAX_VALUE} for the store's own commands
     */
    public RequestContext(RequestExecutor executor, SessionRouting routing, int maxRequests) {
        this.executor = executor;
        this.routing = routing;
        this.maxRequests = maxRequests;
    }

    /** Counts the call against the budget, then runs it; see {@link RequestExecutor#execute}. */
    public <R> R execute(OperationKind kind, String operation, NodeCall<R> call) {
        return execute(kind, operation, Duration.ZERO, call);
    }

    /**
     * As {@link #execute(OperationKind, String, NodeCall)}, each attempt given {@code extra} time
     * beyond the request timeout (a write that waits for replicas).
     */
    public <R> R execute(OperationKind kind, String operation, Duration extra, NodeCall<R> call) {
        if (closed) {
            throw new IllegalStateException("this session is closed; open a new one with DocumentStore.openSession()");
        }
        if (requests.incrementAndGet() > maxRequests) {
            requests.decrementAndGet();
            throw new MaxRequestsExceededException("The maximum number of requests (" + maxRequests
                    + ") allowed for this session has been reached. Load several documents in one call, "
                    + "use a query, or open a new session; if you really need more, raise "
                    + "Conventions.setMaxNumberOfRequestsPerSession(int) before DocumentStore.initialize().");
        }
        return executor.execute(kind, routing, operation, extra, call);
    }

    /**
     * Opens a force-read-from-master scope on this context's routing (see
     * {@link dev.corvid.client.ReadScope}).
     *
     * @return what ends the scope; run it exactly once
     */
    public Runnable forceReadFromMaster() {
        return routing.openScope();
    }

    /** Refuses every later call (the session that owns this context was closed). */
    public void close() {
        closed = true;
    }

    /** How many calls were made (or attempted) so far. */
    public int requests() {
        return requests.get();
    }
}
