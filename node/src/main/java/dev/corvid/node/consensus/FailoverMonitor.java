package dev.corvid.node.consensus;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The automatic failover, run on every node and acting only on the Raft leader: when the master
 * has not renewed its lease for longer than a lease, measured on this node's clock since the last
 * renewal this node applied or since it became leader (whichever is later), it promotes the most
 * up-to-date live node other than the master ({@link Successors#best}). If no candidate answers,
 * or the promotion fails, it does nothing and asks again after {@link
 * ConsensusSettings#candidatesRetry()}.
 *
 * <p>Why the new master need not wait out its predecessor's lease: the promotion carries the
 * renewal count {@code n} this node saw lapse, and the state machine refuses it if the count moved
 * ({@link Command.Promote#lapsedRenewals()}). So when it applies, renewal {@code n} was the old
 * master's last successful one. The old master sent it at some {@code s} before it was committed,
 * hence before this node applied it at {@code a}: its lease ended at {@code s + lease}, before
 * {@code a + lease}, and this node promoted only after {@code a + lease}. Clocks are monotonic and
 * run at the same rate to well within a lease (Ratis's leader lease assumes the same). Renewals
 * after the promotion are refused, since they name the old epoch.
 *
 * <p>Ticks come from one thread; {@link #applied} from the applying thread.
 */
final class FailoverMonitor {

    private static final Logger log = LoggerFactory.getLogger(FailoverMonitor.class);

    /** What the master last did that this node applied: the epoch, its renewal count, and when. */
    private record Progress(ClusterEpoch epoch, long renewals, long appliedNanos) {
    }

    private final long leaseNanos;
    private final long candidatesRetryNanos;
    private final Set<String> members;
    private final Candidates candidates;
    /** This node's Raft term while it is a leader ready to serve, else -1. */
    private final LongSupplier readyLeaderTerm;
    private final Function<Command.Promote, ConsensusState.Applied> promote;
    private final LongSupplier clock;
    private final AtomicReference<Progress> progress;

    // Only the ticking thread reads or writes these.
    private long leaderTerm = -1;
    private long leaderSinceNanos;
    private long warnedEpoch;
    /** After nobody answered: when to ask the candidates again. */
    private long nextAskNanos;
    private boolean waitingToAsk;

    FailoverMonitor(Duration lease, Duration candidatesRetry, Set<String> members, Candidates candidates,
                    LongSupplier readyLeaderTerm, Function<Command.Promote, ConsensusState.Applied> promote,
                    LongSupplier clock, ConsensusState initial) {
        this.leaseNanos = lease.toNanos();
        this.candidatesRetryNanos = candidatesRetry.toNanos();
        this.members = Set.copyOf(members);
        this.candidates = Objects.requireNonNull(candidates, "candidates");
        this.readyLeaderTerm = readyLeaderTerm;
        this.promote = promote;
        this.clock = clock;
        this.progress = new AtomicReference<>(new Progress(initial.current(), initial.renewals(), clock.getAsLong()));
    }

    /** This node applied {@code state}: a renewal or a new epoch restarts the wait. */
    void applied(ConsensusState state) {
        long now = clock.getAsLong();
        progress.updateAndGet(p -> p.epoch().epoch() == state.current().epoch() && p.renewals() == state.renewals()
                ? new Progress(state.current(), p.renewals(), p.appliedNanos()) // released, same master activity
                : new Progress(state.current(), state.renewals(), now));
    }

    /** One look; promotes at most one node. Never throws (it runs on a scheduler). */
    void tick() {
        try {
            check();
        } catch (ConsensusException e) {
            log.warn("consensus: the failover could not promote; it tries again: {}", e.getMessage());
        } catch (RuntimeException e) {
            log.warn("consensus: the failover check failed; it tries again", e);
        }
    }

    private void check() {
        long term = readyLeaderTerm.getAsLong();
        long now = clock.getAsLong();
        if (term < 0) {
            leaderTerm = -1;
            return;
        }
        if (term != leaderTerm) {
            leaderTerm = term;
            leaderSinceNanos = now; // a new leader gives the master a lease to find it
            return;
        }
        Progress p = progress.get();
        long quietSince = p.appliedNanos() - leaderSinceNanos > 0 ? p.appliedNanos() : leaderSinceNanos;
        if (now - quietSince <= leaseNanos) {
            return;
        }
        if (waitingToAsk && now - nextAskNanos < 0) {
            return;
        }
        // Until this attempt succeeds (a failure may also throw), the next one waits.
        waitingToAsk = true;
        nextAskNanos = now + candidatesRetryNanos;
        String dead = p.epoch().master();
        Map<String, Long> positions = candidates.positions();
        Optional<String> next = Successors.best(positions, dead, members);
        if (next.isEmpty()) {
            if (warnedEpoch != p.epoch().epoch()) {
                warnedEpoch = p.epoch().epoch();
                log.warn("consensus: master {} has not renewed its lease for {} ms, but no other node answered with "
                        + "its position ({}); trying again", dead, millis(now - quietSince), positions);
            }
            return;
        }
        ConsensusState.Applied result = promote.apply(new Command.Promote(next.get(), p.epoch().epoch(), p.renewals()));
        waitingToAsk = false;
        if (result.accepted()) {
            log.info("consensus: promoted {} to {}: master {} had not renewed its lease for {} ms; positions {}",
                    next.get(), result.state().current(), dead, millis(now - quietSince), positions);
        } else {
            log.info("consensus: did not promote {}: {}", next.get(), result.reason());
        }
    }

    private static long millis(long nanos) {
        return nanos / 1_000_000;
    }
}
