package dev.corvid.node.consensus;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * This node's side of the lease: whether, as master, it may acknowledge writes now. All times are
 * {@link System#nanoTime()} values of this node (monotonic; compared by subtraction).
 *
 * <p>Rules, for the master of epoch {@code e}:
 * <ul>
 *   <li>a renewal sent at {@code t} that the group accepted lets it acknowledge until {@code t +
 *       lease} ({@link #holdsLease()}); a refused or unanswered one gives nothing;</li>
 *   <li>once it gives up the lease ({@link #giveUp}, before it sends a release) it never holds it
 *       again in {@code e};</li>
 *   <li>it acknowledges ({@link #mayAcknowledge()}) only while it holds the lease and, unless its
 *       predecessor was fenced when {@code e} began, only from one lease after it learned of its
 *       promotion (when this node applied it).</li>
 * </ul>
 * Invariant: the lease belongs to the epoch this node last applied as its own; a state with
 * another epoch or master drops it.
 *
 * <p>Thread-safe and lock-free: one immutable {@link Term} replaced as a whole.
 */
final class MasterLease {

    /**
     * @param epoch        the epoch this node is master of; 0 when it is not master
     * @param learnedNanos when this node applied its promotion to {@code epoch}
     * @param fenced       the predecessor held no lease when {@code epoch} began
     * @param released     this node gave up its lease in {@code epoch}
     * @param renewed      some renewal of {@code epoch} succeeded; {@code validUntilNanos} means nothing before
     */
    private record Term(long epoch, long learnedNanos, boolean fenced, boolean released, boolean renewed,
                        long validUntilNanos) {
        static final Term NOT_MASTER = new Term(0, 0, false, false, false, 0);
    }

    private final String self;
    private final long leaseNanos;
    private final LongSupplier clock;
    private final AtomicReference<Term> term = new AtomicReference<>(Term.NOT_MASTER);

    MasterLease(String self, Duration lease, LongSupplier clock) {
        this.self = Objects.requireNonNull(self, "self");
        this.leaseNanos = lease.toNanos();
        this.clock = clock;
    }

    /** This node applied {@code state} (called on every applied change, in log order). */
    void onState(ClusterEpoch state) {
        long now = clock.getAsLong();
        term.updateAndGet(t -> {
            if (!state.master().equals(self)) {
                return Term.NOT_MASTER;
            }
            if (state.epoch() != t.epoch()) {
                return new Term(state.epoch(), now, state.predecessorFenced(), state.released(), false, 0);
            }
            return state.released() && !t.released() ? released(t) : t;
        });
    }

    /** The epoch whose lease this node should renew: 0 when it is not master or gave the lease up. */
    long epochToRenew() {
        Term t = term.get();
        return t.released() ? 0 : t.epoch();
    }

    /** The group accepted a renewal of {@code epoch} that this node sent at {@code sentNanos}. */
    void renewed(long epoch, long sentNanos) {
        term.updateAndGet(t -> {
            if (t.epoch() != epoch || t.released()) {
                return t; // an answer that arrived after this node moved on gives nothing
            }
            long until = sentNanos + leaseNanos;
            if (t.renewed() && until - t.validUntilNanos() <= 0) {
                return t; // an older renewal answered late
            }
            return new Term(t.epoch(), t.learnedNanos(), t.fenced(), false, true, until);
        });
    }

    /**
     * Stops acknowledging in {@code epoch} at once and for good, before a release is sent.
     *
     * @return false if this node is not the master of {@code epoch} (then nothing changed)
     */
    boolean giveUp(long epoch) {
        Term after = term.updateAndGet(t -> t.epoch() == epoch && epoch != 0 ? released(t) : t);
        return after.epoch() == epoch && epoch != 0;
    }

    boolean holdsLease() {
        return holds(term.get(), clock.getAsLong());
    }

    /** Until when the lease holds; meaningful only while {@link #holdsLease()}, else some time in the past. */
    long validUntilNanos() {
        Term t = term.get();
        long now = clock.getAsLong();
        return holds(t, now) ? t.validUntilNanos() : now - 1;
    }

    boolean mayAcknowledge() {
        Term t = term.get();
        long now = clock.getAsLong();
        return holds(t, now) && (t.fenced() || now - t.learnedNanos() - leaseNanos >= 0);
    }

    private static boolean holds(Term t, long now) {
        return t.epoch() != 0 && !t.released() && t.renewed() && now - t.validUntilNanos() < 0;
    }

    private static Term released(Term t) {
        return new Term(t.epoch(), t.learnedNanos(), t.fenced(), true, t.renewed(), t.validUntilNanos());
    }
}
