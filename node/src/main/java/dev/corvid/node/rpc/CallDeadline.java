package dev.corvid.node.rpc;

import dev.corvid.proto.ExchangeRequest;
import io.grpc.Deadline;
import java.util.concurrent.TimeUnit;

/**
 * The time one call of an Exchange stream has, as a unary call's deadline would give it: the
 * {@code timeout_micros} its client sent, counted from when the node read the call (like gRPC's
 * {@code grpc-timeout}). A call without a timeout has no deadline. The node asks {@link #expired()}
 * where a call would start, and does not start an expired one.
 *
 * <p>It is a check, not a timer: a timer per call (a {@code Context} with this deadline) cost
 * every call a schedule and a cancel on the node's one timer thread, and nothing the node runs
 * for a call waits on the caller's time.
 */
final class CallDeadline {

    /** Null when the client gave no timeout. */
    private final Deadline deadline;

    private CallDeadline(Deadline deadline) {
        this.deadline = deadline;
    }

    /** The deadline of a call read now. */
    static CallDeadline of(ExchangeRequest request) {
        long micros = request.getTimeoutMicros();
        return new CallDeadline(micros > 0 ? Deadline.after(micros, TimeUnit.MICROSECONDS) : null);
    }

    /** Whether the call's time is out: it must not start. */
    boolean expired() {
        return deadline != null && deadline.isExpired();
    }
}
