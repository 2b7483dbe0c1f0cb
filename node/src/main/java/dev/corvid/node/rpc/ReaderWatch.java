package dev.corvid.node.rpc;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resets a streaming call whose reader takes nothing for too long while something waits for it
 * (limit {@code serving.readerStallMillis}), so that a stalled or vanished client does not keep
 * what the node holds for it: neither our own queue nor the bytes the transport buffered.
 *
 * <p>The stream resets itself ({@link StreamReset}): closing the call with an error status would
 * not do, as the trailers would queue behind the data the reader does not take, and the transport
 * would keep it all. No thread waits: one shared timer checks the stream when its stall time may
 * be up.
 */
final class ReaderWatch {

    private static final Logger log = LoggerFactory.getLogger(ReaderWatch.class);

    private final ScheduledExecutorService timer;
    private final long stallNanos;
    private final String stream;
    private final BooleanSupplier waiting;
    private final Runnable reset;
    /** When the reader last took something, or when the current wait began. */
    private volatile long lastProgress = System.nanoTime();
    /** Guarded by this. */
    private ScheduledFuture<?> check;
    /** Guarded by this. */
    private boolean done;

    /**
     * @param stream  names the stream in the log
     * @param waiting whether something waits for the reader now; called without any lock of ours
     *                held, so it may take the stream's own lock
     * @param reset   resets the stream and drops what it holds; called without any lock of ours held
     */
    ReaderWatch(ScheduledExecutorService timer, long stallMillis, String stream, BooleanSupplier waiting, Runnable reset) {
        this.timer = timer;
        this.stallNanos = TimeUnit.MILLISECONDS.toNanos(stallMillis);
        this.stream = stream;
        this.waiting = waiting;
        this.reset = reset;
    }

    /** The reader took something. */
    void progress() {
        lastProgress = System.nanoTime();
    }

    /** Something now waits for the reader: starts the clock, unless it runs already. Never blocks. */
    void waiting() {
        synchronized (this) {
            if (done || check != null) {
                return;
            }
            lastProgress = System.nanoTime();
            schedule(stallNanos);
        }
    }

    /** The stream is over: no more checks. */
    synchronized void done() {
        done = true;
        if (check != null) {
            check.cancel(false);
            check = null;
        }
    }

    /** Resets the stream now, for {@code why} (logged). Not under the stream's lock. */
    void abort(String why) {
        done();
        log.warn("{} reset: {}", stream, why);
        reset.run();
    }

    /** Guarded by this. */
    private void schedule(long delayNanos) {
        try {
            check = timer.schedule(this::check, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            check = null; // the node is stopping; its shutdown ends the stream
        }
    }

    private void check() {
        synchronized (this) {
            check = null;
            if (done) {
                return;
            }
        }
        if (!waiting.getAsBoolean()) {
            return; // the next wait starts the clock again
        }
        long idle = System.nanoTime() - lastProgress;
        if (idle >= stallNanos) {
            abort("its reader took nothing for " + TimeUnit.NANOSECONDS.toMillis(idle)
                    + " ms (serving.readerStallMillis = " + TimeUnit.NANOSECONDS.toMillis(stallNanos) + ")");
            return;
        }
        synchronized (this) {
            if (!done && check == null) {
                schedule(stallNanos - idle);
            }
        }
    }
}
