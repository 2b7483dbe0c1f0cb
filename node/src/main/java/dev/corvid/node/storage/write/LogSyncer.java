package dev.corvid.node.storage.write;

import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.StorageObserver;
import dev.corvid.node.storage.StorageUnavailableException;
import dev.corvid.node.storage.index.DocumentIndex;
import dev.corvid.node.storage.mapdb.MapDbFlusher;
import dev.corvid.node.storage.wal.WriteAheadLog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that syncs the log for groups shown before their sync, while the writer goes on:
 * one force for every group waiting, then, in order, the checkpoint receives them, the commit
 * listeners hear of them and their callers are answered. If the force fails, none of them is
 * answered with success, nor is any later one; the writer stops at its next group.
 *
 * <p>Forces are at least {@link #MIN_FORCE_INTERVAL_NANOS} apart, the groups arriving meanwhile
 * sharing the next one. Readers already see these groups and no client waits for their sync
 * (only the master's confirmation does), while every force is a flush of the disk that the
 * master's own syncs — which clients do wait for — queue behind when the nodes share a disk.
 */
final class LogSyncer {

    private static final Logger log = LoggerFactory.getLogger(LogSyncer.class);
    private static final long MIN_FORCE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    /** A group the readers already see, waiting for the log sync that makes it durable. */
    record Synced(List<Pending<?>> group, List<DocumentIndex.Shown> shown, Etag lastIssued) {
    }

    /** Queued by {@link #stop}, after everything else: the thread ends. */
    private static final Synced END = new Synced(List.of(), List.of(), null);

    private final WriteAheadLog wal;
    private final MapDbFlusher flusher;
    private final Consumer<Etag> committed;
    private final Consumer<Throwable> onFailure;
    private final BlockingQueue<Synced> waiting = new LinkedBlockingQueue<>();
    private final Thread thread = new Thread(this::run, "corvid-log-syncer");
    private final Object progress = new Object();
    /** Groups handed over; writer thread only. */
    private long handed;
    /** Groups finished (answered, or failed). Guarded by {@link #progress}. */
    private long finished;
    /** What every group not yet answered, and every later one, fails with once a sync failed. */
    private volatile StorageUnavailableException failure;

    /**
     * Starts the thread.
     *
     * @param committed hears the last etag of the groups each force made durable
     * @param onFailure hears why a force failed: storage takes no more writes
     */
    private volatile StorageObserver observer = StorageObserver.NONE;

    LogSyncer(WriteAheadLog wal, MapDbFlusher flusher, Consumer<Etag> committed, Consumer<Throwable> onFailure) {
        this.wal = wal;
        this.flusher = flusher;
        this.committed = committed;
        this.onFailure = onFailure;
        thread.setDaemon(true);
        thread.start();
    }

    /** Writer thread. */
    void enqueue(Synced synced) {
        handed++;
        waiting.add(synced);
    }

    /** Whether every group handed over is finished. Writer thread. */
    boolean isIdle() {
        synchronized (progress) {
            return finished == handed;
        }
    }

    /** Waits until every group handed over is durable and answered. Writer thread. */
    void awaitIdle() throws IOException, InterruptedException {
        synchronized (progress) {
            while (finished < handed) {
                progress.wait();
            }
        }
        checkHealthy();
    }

    /** Throws once a sync has failed. */
    void checkHealthy() throws IOException {
        StorageUnavailableException f = failure;
        if (f != null) {
            throw new IOException("the log sync failed: " + f.getCause(), f.getCause());
        }
    }

    /** Fails every group not yet answered, and every later one. Writer thread, as it stops. */
    void fail(StorageUnavailableException error) {
        if (failure == null) {
            failure = error;
        }
        List<Synced> left = new ArrayList<>();
        waiting.drainTo(left);
        finish(left, error);
    }

    /** Ends the thread once the groups handed over before are finished. */
    void stop() {
        waiting.add(END);
    }

    private void run() {
        List<Synced> groups = new ArrayList<>();
        boolean stop = false;
        long lastForce = System.nanoTime() - MIN_FORCE_INTERVAL_NANOS;
        while (!stop) {
            try {
                groups.add(waiting.take());
            } catch (InterruptedException e) {
                // Nobody interrupts this thread; END ends it.
                continue;
            }
            long wait = lastForce + MIN_FORCE_INTERVAL_NANOS - System.nanoTime();
            if (wait > 0 && groups.get(0) != END) {
                LockSupport.parkNanos(this, wait);
            }
            lastForce = System.nanoTime();
            waiting.drainTo(groups);
            stop = groups.removeIf(g -> g == END);
            StorageUnavailableException f = failure;
            if (f != null) {
                finish(groups, f);
            } else {
                try {
                    commit(groups);
                    finish(groups, null);
                } catch (Throwable t) {
                    log.error("log sync failed; storage stops taking writes: {}", t.toString(), t);
                    failure = new StorageUnavailableException(GroupCommitWriter.UNKNOWN_OUTCOME + t + ")", t);
                    onFailure.accept(t);
                    finish(groups, failure);
                }
            }
            groups.clear();
        }
    }

    /** Hears each force; set by storage's owner (metrics). */
    void observe(StorageObserver observer) {
        this.observer = observer;
    }

    private void commit(List<Synced> groups) throws IOException, InterruptedException {
        if (groups.stream().anyMatch(g -> !g.shown().isEmpty())) {
            long start = System.nanoTime();
            wal.force();
            int writes = 0;
            for (Synced g : groups) {
                writes += g.group().size();
            }
            observer.synced(System.nanoTime() - start, groups.size(), writes);
        }
        Etag last = null;
        for (Synced g : groups) {
            if (!g.shown().isEmpty()) {
                flusher.stage(g.shown());
            }
            if (g.lastIssued() != null) {
                last = g.lastIssued();
            }
        }
        if (last != null) {
            committed.accept(last);
        }
    }

    /** Answers the groups (or fails them with {@code error}) and counts them finished. */
    private void finish(List<Synced> groups, Throwable error) {
        for (Synced g : groups) {
            for (Pending<?> p : g.group()) {
                if (error == null) {
                    p.complete();
                } else {
                    p.fail(error);
                }
            }
        }
        synchronized (progress) {
            finished += groups.size();
            progress.notifyAll();
        }
    }
}
