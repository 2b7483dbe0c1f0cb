package dev.corvid.node.consensus;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews this node's lease while it is master, on its own thread: every renew interval, and at
 * once when it becomes master. One renewal at a time; a slow one delays the next rather than
 * piling up. The lease counts from the {@link System#nanoTime()} taken before each send.
 */
final class LeaseRenewer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LeaseRenewer.class);

    private final String self;
    private final MasterLease lease;
    /** Null until the consensus started. */
    private final Supplier<RaftCalls> calls;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "corvid-consensus-lease");
        t.setDaemon(true);
        return t;
    });

    LeaseRenewer(String self, MasterLease lease, Supplier<RaftCalls> calls) {
        this.self = self;
        this.lease = lease;
        this.calls = calls;
    }

    void start(Duration interval) {
        thread.scheduleAtFixedRate(this::renewOnce, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** This node just became master: renew now, not a tick later. */
    void renewSoon() {
        try {
            thread.execute(this::renewOnce);
        } catch (RejectedExecutionException e) {
            log.debug("consensus of {} is closed: no renewal", self);
        }
    }

    private void renewOnce() {
        long epoch = lease.epochToRenew();
        RaftCalls c = calls.get();
        if (epoch == 0 || c == null) {
            return; // not master, released, or not started (a restored state is applied during start)
        }
        long sent = System.nanoTime(); // before sending: the lease counts from here, never from the answer
        try {
            ConsensusState.Applied a = c.renew(new Command.RenewLease(self, epoch));
            if (a.accepted()) {
                lease.renewed(epoch, sent);
            } else {
                log.debug("consensus: lease renewal refused: {}", a.reason());
            }
        } catch (ConsensusException e) {
            log.debug("consensus: lease renewal of epoch {} unanswered: {}", epoch, e.getMessage());
        } catch (RuntimeException e) {
            log.warn("consensus: lease renewal of epoch {} failed", epoch, e); // a scheduled task must not throw
        }
    }

    /** Stops renewing; a renewal under way is interrupted. */
    @Override
    public void close() {
        thread.shutdownNow();
    }
}
