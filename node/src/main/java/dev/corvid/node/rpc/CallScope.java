package dev.corvid.node.rpc;

import dev.corvid.proto.ExchangeRequest;
import io.grpc.Context;
import io.grpc.Deadline;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The time one call of an Exchange stream has, as a unary call's deadline would give it: the
 * {@code timeout_micros} its client sent, counted from when the node read the call (like gRPC's
 * {@code grpc-timeout}), and the gRPC {@link Context} the call runs in, which carries that deadline
 * to whatever the call waits on. A call without a timeout has no deadline.
 *
 * <p>Used by one call: {@link #startIn} once, when it starts (after {@link #expired()} said it still
 * has time), and {@link #end()} once it is answered, which releases the deadline's timer.
 */
final class CallScope {

    /** Null when the client gave no timeout. */
    private final Deadline deadline;
    /** Set when the call starts; null before, or without a deadline. */
    private volatile Context.CancellableContext context;

    private CallScope(Deadline deadline) {
        this.deadline = deadline;
    }

    /** The scope of a call read now. */
    static CallScope of(ExchangeRequest request) {
        long micros = request.getTimeoutMicros();
        return new CallScope(micros > 0 ? Deadline.after(micros, TimeUnit.MICROSECONDS) : null);
    }

    /** Whether the call's time is out: it must not start. */
    boolean expired() {
        return deadline != null && deadline.isExpired();
    }

    /**
     * Starts the call: runs {@code call} in a context with the call's deadline (on this thread; the
     * call may go on elsewhere), whose expiry {@code timer} runs.
     */
    void startIn(ScheduledExecutorService timer, Runnable call) {
        if (deadline == null) {
            call.run();
            return;
        }
        assert context == null : "a call starts once";
        Context.CancellableContext started = Context.current().withDeadline(deadline, timer);
        context = started;
        started.run(call);
    }

    /** The call is answered: its context ends (cancelled, if it had one) and its timer is released. */
    void end() {
        Context.CancellableContext started = context;
        if (started != null) {
            started.cancel(null);
        }
    }
}
