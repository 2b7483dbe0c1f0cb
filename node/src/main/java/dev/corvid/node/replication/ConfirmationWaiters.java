package dev.corvid.node.replication;

import dev.corvid.node.storage.Etag;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The writes waiting for replica confirmations ({@link WriteConfirmations}), kept per number of
 * replicas asked for and ordered by etag: as the replicas' confirmed etags only grow, the waits
 * met by a new confirmation are a prefix of each order, so an acknowledgement costs a look at the
 * front of each and nothing when nobody waits.
 *
 * <p>Each wait has a timer ({@code corvid-assurance-timer}, one thread, cancelled when the wait is
 * met), so a replica that never answers costs memory only for as long as the longest wait allowed.
 */
final class ConfirmationWaiters implements WriteConfirmations, AutoCloseable {

    private record Waiter(Etag etag, int replicas, long order, CompletableFuture<Confirmation> done,
                          String asked) implements Comparable<Waiter> {
        @Override
        public int compareTo(Waiter o) {
            int c = etag.compareTo(o.etag);
            return c != 0 ? c : Long.compare(order, o.order);
        }
    }

    /** What each replica has confirmed so far: its last master etag, or null before it first answered. */
    private final List<Supplier<Etag>> confirmedByReplica;
    /** Waits by the number of replicas they ask for (index 0 for 1 replica), each in etag order. Guarded by {@code this}. */
    private final List<TreeSet<Waiter>> waiting = new ArrayList<>();
    private final AtomicLong orders = new AtomicLong();
    /** Waits not yet completed; read without the lock to make an acknowledgement free when nobody waits. */
    private volatile int pending;
    private final ScheduledThreadPoolExecutor timer;
    private volatile boolean closed;

    ConfirmationWaiters(List<Supplier<Etag>> confirmedByReplica) {
        this.confirmedByReplica = List.copyOf(confirmedByReplica);
        for (int i = 0; i < confirmedByReplica.size(); i++) {
            waiting.add(new TreeSet<>());
        }
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "corvid-assurance-timer");
            t.setDaemon(true);
            return t;
        });
        timer.setRemoveOnCancelPolicy(true); // a met wait leaves nothing behind in the timer's queue
    }

    @Override
    public CompletableFuture<Confirmation> await(Etag etag, int replicas, Duration wait) {
        if (replicas < 1 || replicas > confirmedByReplica.size()) {
            throw new IllegalArgumentException("a write can wait for 1 to " + confirmedByReplica.size()
                    + " replicas, not " + replicas);
        }
        int now = etag == null ? confirmedByReplica.size() : confirmedAtOrAfter(etag);
        if (now >= replicas) {
            return CompletableFuture.completedFuture(Confirmation.met(now));
        }
        CompletableFuture<Confirmation> done = new CompletableFuture<>();
        Waiter w = new Waiter(etag, replicas, orders.incrementAndGet(), done,
                replicas + " of " + confirmedByReplica.size() + " replicas");
        synchronized (this) {
            if (closed) {
                done.complete(Confirmation.unmet(now, stopping()));
                return done;
            }
            waiting.get(replicas - 1).add(w);
            pending++;
        }
        try {
            ScheduledFuture<?> expiry = timer.schedule(() -> expire(w, wait), wait.toNanos(), TimeUnit.NANOSECONDS);
            done.whenComplete((c, e) -> expiry.cancel(false));
        } catch (RejectedExecutionException stopped) {
            // close() ran in between and has ended (or is ending) every wait it found.
            if (remove(w)) {
                done.complete(Confirmation.unmet(now, stopping()));
            }
            return done;
        }
        // A confirmation may have come between the first count and the registration.
        confirmed();
        return done;
    }

    /** A replica confirmed more: completes the waits now met. Never blocks on a wait's callbacks under the lock. */
    void confirmed() {
        if (pending == 0) {
            return;
        }
        List<Waiter> met = new ArrayList<>();
        synchronized (this) {
            for (TreeSet<Waiter> byEtag : waiting) {
                while (!byEtag.isEmpty() && confirmedAtOrAfter(byEtag.first().etag()) >= byEtag.first().replicas()) {
                    met.add(byEtag.pollFirst());
                    pending--;
                }
            }
        }
        for (Waiter w : met) {
            w.done().complete(Confirmation.met(confirmedAtOrAfter(w.etag())));
        }
    }

    private void expire(Waiter w, Duration wait) {
        if (!remove(w)) {
            return;
        }
        int have = confirmedAtOrAfter(w.etag());
        w.done().complete(have >= w.replicas() ? Confirmation.met(have) : Confirmation.unmet(have,
                "only " + have + " of the " + w.asked() + " asked for had durably applied the write within "
                        + wait.toMillis() + " ms"));
    }

    private synchronized boolean remove(Waiter w) {
        boolean removed = waiting.get(w.replicas() - 1).remove(w);
        if (removed) {
            pending--;
        }
        return removed;
    }

    /** How many replicas have confirmed {@code etag} or a later etag of this master. */
    private int confirmedAtOrAfter(Etag etag) {
        int n = 0;
        for (Supplier<Etag> replica : confirmedByReplica) {
            Etag c = replica.get();
            if (c != null && c.nodeTag() == etag.nodeTag() && c.compareTo(etag) >= 0) {
                n++;
            }
        }
        return n;
    }

    private static String stopping() {
        return "the master is stopping before enough replicas confirmed the write";
    }

    /** Ends every wait as unmet (the master is stopping) and stops the timer. */
    @Override
    public void close() {
        List<Waiter> left = new ArrayList<>();
        synchronized (this) {
            closed = true;
            waiting.forEach(left::addAll);
            waiting.forEach(TreeSet::clear);
            pending = 0;
        }
        for (Waiter w : left) {
            w.done().complete(Confirmation.unmet(confirmedAtOrAfter(w.etag()), stopping()));
        }
        timer.shutdownNow();
    }
}
