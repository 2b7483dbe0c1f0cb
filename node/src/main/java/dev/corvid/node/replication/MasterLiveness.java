package dev.corvid.node.replication;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * What a replica knows of whether its master is alive. The replication stream is the heartbeat:
 * the master sends a batch or a heartbeat at least every heartbeat interval, so the master counts
 * as reachable until {@code timeout} after the last message of a stream the replica accepted
 * (proved to come from the master). When the last accepted stream ends (a killed master's
 * connection closes at once) it is unreachable at once. A node that has just started has not had
 * time to hear from its master: it counts the master reachable for {@code timeout} from its start,
 * so it never takes a failover write only because it has not waited.
 *
 * <p>Thread-safe; called from transport threads on every message, so it only writes a volatile.
 */
final class MasterLiveness {

    private final long timeoutNanos;
    private final LongSupplier clock;
    private final long startedNanos;
    /** Until when the master counts as reachable (System.nanoTime based). */
    private volatile long reachableUntil;
    /** When the last message of an accepted stream arrived; startedNanos until one did. */
    private volatile long lastHeard;
    private volatile boolean heardAny;

    MasterLiveness(Duration timeout, LongSupplier clock) {
        this.timeoutNanos = timeout.toNanos();
        this.clock = clock;
        this.startedNanos = clock.getAsLong();
        this.reachableUntil = startedNanos + timeoutNanos;
        this.lastHeard = startedNanos;
    }

    /** A message of a stream proved to come from the master (handshake proof, batch or heartbeat). */
    void heard() {
        long now = clock.getAsLong();
        lastHeard = now;
        heardAny = true;
        reachableUntil = now + timeoutNanos;
    }

    /** The last accepted stream ended: the master is gone (or reconnecting) from now. */
    void lost() {
        reachableUntil = clock.getAsLong();
    }

    boolean reachable() {
        return clock.getAsLong() - reachableUntil < 0;
    }

    /** For messages: how the replica knows, e.g. "last heard from it 120 ms ago". */
    String describe() {
        long now = clock.getAsLong();
        if (!heardAny) {
            return "started " + millis(now - startedNanos) + " ms ago and has not heard from it yet; it waits "
                    + millis(timeoutNanos) + " ms before it counts it unreachable";
        }
        return "last heard from it " + millis(now - lastHeard) + " ms ago; it counts it unreachable after "
                + millis(timeoutNanos) + " ms without a word or once its stream ends";
    }

    private static long millis(long nanos) {
        return Math.max(0, nanos / 1_000_000);
    }
}
