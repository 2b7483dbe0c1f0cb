package dev.corvid.node.storage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single thread that changes storage. It takes every write waiting in its queue as one group,
 * checks each batch's etags against the state left by the batches before it, writes all accepted
 * batches to the log with one sync (group commit), applies them to the index, and only then
 * answers the callers. So throughput grows with the number of concurrent writers instead of being
 * capped at one sync per write, and no caller hears "done" before its batch is on disk.
 *
 * <p>Invariants: etags are issued in strictly increasing order; no caller hears "done", no commit
 * listener hears of a change and MapDB receives nothing before the log record is synced; callers
 * hear "done" in the order their batches were taken; a rejected batch leaves no trace. Readers see
 * a batch's changes after the sync too, except when every batch of the group is
 * {@linkplain Pending#visibleBeforeSync visible before its sync} (a replica's replicated changes,
 * already durable on the master): then the writer shows the group, hands its sync to the
 * {@link LogSyncer} and goes on with the next group while the disk works, so a replicated change
 * never waits behind the sync of the group before it. Any other group first waits until the
 * syncer has finished, and is then committed and shown as above.
 */
final class GroupCommitWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);
    private static final int MAX_GROUP = 1024;
    /**
     * What a write in flight when the disk failed hears: it reached the log file but not its sync,
     * so a restart may or may not find it there.
     */
    private static final String UNKNOWN_OUTCOME = "storage stopped: the disk failed while this write was being made "
            + "durable, so it was not acknowledged; after a restart it may or may not be there (";

    /**
     * When the log rolls over to a new segment ({@code maxLogBytes}) and when the index flusher
     * commits MapDB: after {@code maxEntries} entries, {@code maxAgeMillis} of writes,
     * {@code idleMillis} without any, or when the distinct document records waiting for MapDB
     * reach {@code maxDirtyBytes}.
     */
    record CheckpointPolicy(int maxEntries, long maxLogBytes, long maxAgeMillis, long idleMillis, long maxDirtyBytes) {
        /**
         * Commits after the options' entries or interval, 200 ms idle or 64 MiB of distinct
         * records; segments of the options' size. A document saved many times within the window
         * reaches MapDB once; a restart replays at most that window of log.
         */
        static CheckpointPolicy of(StorageOptions options) {
            return new CheckpointPolicy(options.checkpointEntries(), options.logSegmentBytes(),
                    options.checkpointIntervalMillis(), 200, 64L * 1024 * 1024);
        }
    }

    private final MapDbIndex index;
    private final WriteAheadLog wal;
    private final ChangeCounter counter;
    private final int nodeTag;
    private final int restart;
    private final CheckpointPolicy policy;
    private final BlockingQueue<Pending<?>> queue = new LinkedBlockingQueue<>();
    private final List<Consumer<Etag>> commitListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Throwable>> failureListeners = new CopyOnWriteArrayList<>();
    /** Queued by {@link #close}: the writer commits what came before it, checkpoints and ends. */
    private static final Pending<Void> STOP = new Pending<>() {
        @Override
        List<LogEntry> prepare(GroupView view) {
            return List.of();
        }

        @Override
        Void result() {
            return null;
        }
    };
    private final Thread thread;
    private final LogSyncer syncer;

    // Guarded by "this": once true, nothing more is queued.
    private boolean stopping;
    private volatile Throwable failure;
    private volatile Etag lastEtag;

    // Writer thread only.
    private long lastChange;
    private long nextSeq;

    GroupCommitWriter(MapDbIndex index, WriteAheadLog wal, ChangeCounter counter, int nodeTag, int restart,
                      long nextSeq, Etag lastEtag, CheckpointPolicy policy) {
        this.index = index;
        this.wal = wal;
        this.counter = counter;
        this.nodeTag = nodeTag;
        this.restart = restart;
        this.nextSeq = nextSeq;
        this.lastChange = Math.max(index.lastChange(), counter.floor());
        this.lastEtag = lastEtag;
        this.policy = policy;
        this.syncer = new LogSyncer();
        this.thread = new Thread(this::run, "corvid-storage-writer");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    Etag lastEtag() {
        return lastEtag;
    }

    /** See {@link Storage#addCommitListener}. */
    void addCommitListener(Consumer<Etag> listener) {
        commitListeners.add(listener);
    }

    /** See {@link Storage#addFailureListener}. */
    void addFailureListener(Consumer<Throwable> listener) {
        failureListeners.add(listener);
        Throwable f = failure;
        if (f != null && failureListeners.remove(listener)) {
            listener.accept(f);
        }
    }

    /**
     * Storage takes no more writes: the first cause is kept (what later writes are refused with)
     * and the failure listeners hear of it, once. Any thread: the writer, the log syncer, the index
     * flusher.
     */
    void fail(Throwable cause) {
        synchronized (this) {
            if (failure != null) {
                return;
            }
            failure = cause;
        }
        for (Consumer<Throwable> listener : failureListeners) {
            if (failureListeners.remove(listener)) {
                try {
                    listener.accept(cause);
                } catch (RuntimeException e) {
                    log.warn("failure listener failed: {}", e.toString(), e);
                }
            }
        }
    }

    /** Queues a write and waits until it is durable and visible, or rejected. */
    <T> T submit(Pending<T> pending) {
        try {
            return submitAsync(pending).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                r.addSuppressed(new Exception("waited for the storage writer here"));
                throw r;
            }
            throw e;
        }
    }

    /**
     * Queues a write. The future completes on the writer thread once the write is durable and
     * visible, or exceptionally when it is rejected; dependent actions must be quick.
     *
     * @throws StorageUnavailableException when storage is closing or has failed
     */
    <T> CompletableFuture<T> submitAsync(Pending<T> pending) {
        synchronized (this) {
            checkNotFailed();
            if (stopping) {
                throw new StorageUnavailableException("storage is closing; the write was not applied");
            }
            queue.add(pending);
        }
        return pending.future;
    }

    private void checkNotFailed() {
        Throwable f = failure;
        if (f != null) {
            throw new StorageUnavailableException("storage stopped after a failed disk write (" + f
                    + "); the write was not applied. Restart the node once the disk is fixed: it recovers"
                    + " every acknowledged write from its log", f);
        }
    }

    private void run() {
        List<Pending<?>> group = new ArrayList<>();
        try {
            while (true) {
                Pending<?> first = queue.take();
                group.add(first);
                queue.drainTo(group, MAX_GROUP - 1);
                // STOP is queued last, after which nothing more is queued.
                boolean stop = group.remove(STOP);
                commitGroup(group);
                group.clear();
                if (stop) {
                    syncer.awaitIdle();
                    counter.closeCleanly(lastChange);
                    return;
                }
                if (wal.currentSegmentBytes() >= policy.maxLogBytes()) {
                    syncer.awaitIdle();
                    rollSegment();
                }
            }
        } catch (Throwable t) {
            fail(t);
            log.error("storage writer stopped: {}", t.toString(), t);
            StorageUnavailableException inFlight = new StorageUnavailableException(UNKNOWN_OUTCOME + t + ")", t);
            group.forEach(p -> p.future.completeExceptionally(inFlight));
            synchronized (this) {
                stopping = true;
            }
            StorageUnavailableException notRun = new StorageUnavailableException(
                    "storage stopped after a failed disk write (" + t + "); the write was not applied", t);
            queue.forEach(p -> p.future.completeExceptionally(notRun));
            syncer.fail(inFlight);
        } finally {
            syncer.stop();
        }
    }

    // Writer thread only: where the writer's time goes, logged with each checkpoint at debug level.
    private long groups;
    private long batches;
    private long prepareNanos;
    private long syncNanos;
    private long applyNanos;

    private void commitGroup(List<Pending<?>> group) throws IOException, InterruptedException {
        if (group.isEmpty()) {
            return;
        }
        syncer.checkHealthy();
        long t0 = System.nanoTime();
        groups++;
        batches += group.size();
        GroupView view = new GroupView();
        List<MapDbIndex.Committed> committed = new ArrayList<>(group.size());
        for (Pending<?> pending : group) {
            long mark = lastChange;
            try {
                pending.entries = pending.prepare(view);
                view.keep();
            } catch (RuntimeException rejected) {
                view.discard();
                lastChange = mark;
                pending.rejection = rejected;
                continue;
            }
            if (!pending.entries.isEmpty()) {
                long seq = nextSeq++;
                wal.append(seq, LogEntry.encode(pending.entries));
                committed.add(new MapDbIndex.Committed(seq, pending.entries));
            }
        }
        // Before any of the group's etags can reach a reader or the disk.
        counter.ensureReserved(lastChange);
        long t1 = System.nanoTime();
        prepareNanos += t1 - t0;
        if (committed.isEmpty()) {
            // Nothing to log; still answered after the groups before it.
            if (syncer.isIdle()) {
                group.forEach(Pending::complete);
            } else {
                syncer.enqueue(new Synced(List.copyOf(group), List.of(), null));
            }
            return;
        }
        Throwable indexFailure = index.flusherFailure();
        if (indexFailure != null) {
            throw new IOException("the MapDB index cannot be written: " + indexFailure, indexFailure);
        }
        if (group.stream().allMatch(Pending::visibleBeforeSync)) {
            List<MapDbIndex.Shown> shown = show(committed, view);
            wal.write();
            applyNanos += System.nanoTime() - t1;
            syncer.enqueue(new Synced(List.copyOf(group), shown, view.lastIssued));
            return;
        }
        syncer.awaitIdle();
        long t2 = System.nanoTime();
        wal.sync();
        long t3 = System.nanoTime();
        syncNanos += t3 - t2;
        List<MapDbIndex.Shown> shown = show(committed, view);
        index.persist(shown);
        applyNanos += (t2 - t1) + (System.nanoTime() - t3);
        if (view.lastIssued != null) {
            notifyCommitted(view.lastIssued);
        }
        group.forEach(Pending::complete);
    }

    /** Makes a group's log records visible to readers. */
    private List<MapDbIndex.Shown> show(List<MapDbIndex.Committed> committed, GroupView view) {
        List<MapDbIndex.Shown> shown = index.show(committed);
        if (view.lastIssued != null) {
            lastEtag = view.lastIssued;
        }
        return shown;
    }

    private void notifyCommitted(Etag last) {
        for (Consumer<Etag> listener : commitListeners) {
            try {
                listener.accept(last);
            } catch (RuntimeException e) {
                // A listener must never stop the writer; the group is committed either way.
                log.warn("commit listener failed: {}", e.toString(), e);
            }
        }
    }

    /** A group the readers already see, waiting for the log sync that makes it durable. */
    private record Synced(List<Pending<?>> group, List<MapDbIndex.Shown> shown, Etag lastIssued) {
    }

    /**
     * The thread that syncs the log for groups shown before their sync, while the writer goes on:
     * one force for every group waiting, then, in order, MapDB receives them, the commit
     * listeners hear of them and their callers are answered. If the force fails, none of them is
     * answered with success, nor is any later one; the writer stops at its next group.
     *
     * <p>Forces are at least {@link #MIN_FORCE_INTERVAL_NANOS} apart, the groups arriving meanwhile
     * sharing the next one. Readers already see these groups and no client waits for their sync
     * (only the master's confirmation does), while every force is a flush of the disk that the
     * master's own syncs — which clients do wait for — queue behind when the nodes share a disk.
     */
    private final class LogSyncer {
        private static final long MIN_FORCE_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
        /** Queued by {@link #stop}, after everything else: the thread ends. */
        private static final Synced END = new Synced(List.of(), List.of(), null);
        private final BlockingQueue<Synced> waiting = new LinkedBlockingQueue<>();
        private final Thread thread = new Thread(this::run, "corvid-log-syncer");
        private final Object progress = new Object();
        /** Groups handed over; writer thread only. */
        private long handed;
        /** Groups finished (answered, or failed). Guarded by {@link #progress}. */
        private long finished;
        /** What every group not yet answered, and every later one, fails with once a sync failed. */
        private volatile StorageUnavailableException failure;

        LogSyncer() {
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
                        failure = new StorageUnavailableException(UNKNOWN_OUTCOME + t + ")", t);
                        GroupCommitWriter.this.fail(t);
                        finish(groups, failure);
                    }
                }
                groups.clear();
            }
        }

        private void commit(List<Synced> groups) throws IOException, InterruptedException {
            if (groups.stream().anyMatch(g -> !g.shown().isEmpty())) {
                wal.force();
            }
            Etag last = null;
            for (Synced g : groups) {
                if (!g.shown().isEmpty()) {
                    index.persist(g.shown());
                }
                if (g.lastIssued() != null) {
                    last = g.lastIssued();
                }
            }
            if (last != null) {
                notifyCommitted(last);
            }
        }

        /** Answers the groups (or fails them with {@code error}) and counts them finished. */
        private void finish(List<Synced> groups, Throwable error) {
            for (Synced g : groups) {
                for (Pending<?> p : g.group()) {
                    if (error == null) {
                        p.complete();
                    } else {
                        p.future.completeExceptionally(error);
                    }
                }
            }
            synchronized (progress) {
                finished += groups.size();
                progress.notifyAll();
            }
        }
    }

    /**
     * Starts a new log segment once the current one is full. The index flusher recycles the old
     * ones as its MapDB commits cover them.
     */
    private void rollSegment() throws IOException {
        wal.startSegment(nextSeq);
        if (log.isDebugEnabled()) {
            log.debug("log segment full; since the last: {} groups of {} writes on average,"
                            + " per group {} us preparing, {} us syncing, {} us applying",
                    groups, groups == 0 ? 0 : batches / groups, groups == 0 ? 0 : prepareNanos / groups / 1000,
                    groups == 0 ? 0 : syncNanos / groups / 1000, groups == 0 ? 0 : applyNanos / groups / 1000);
            groups = batches = prepareNanos = syncNanos = applyNanos = 0;
        }
    }

    /** Stops taking writes, finishes the queued ones, checkpoints and waits for the thread to end. */
    @Override
    public void close() {
        synchronized (this) {
            if (!stopping) {
                stopping = true;
                queue.add(STOP);
            }
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }

    }

    /**
     * The state a batch is checked against: the index plus what earlier batches of the same group
     * changed. Changes of the batch being prepared are kept only if the whole batch passes.
     */
    final class GroupView {
        private final Map<String, Etag> group = new HashMap<>();
        private final Map<String, Etag> batch = new HashMap<>();
        private final Map<String, Long> groupSequences = new HashMap<>();
        private final Map<String, Long> batchSequences = new HashMap<>();
        private final Map<String, Etag> groupSources = new HashMap<>();
        private final Map<String, Etag> batchSources = new HashMap<>();
        private Etag lastIssued;
        private Etag batchLastIssued;

        /** The current etag of a live document, or null when it is missing or deleted. */
        Etag current(String id) {
            if (batch.containsKey(id)) {
                return batch.get(id);
            }
            if (group.containsKey(id)) {
                return group.get(id);
            }
            return index.currentEtag(id);
        }

        /** Records the new state of a document: its new etag, or null once deleted. */
        void set(String id, Etag etag) {
            batch.put(id, etag);
        }

        Etag nextEtag() {
            Etag etag = Etag.of(nodeTag, restart, ++lastChange);
            batchLastIssued = etag;
            return etag;
        }

        long lastReservedId(String collection) {
            Long last = batchSequences.get(collection);
            if (last == null) {
                last = groupSequences.get(collection);
            }
            return last != null ? last : index.lastReservedId(collection);
        }

        void reserveIdsUpTo(String collection, long last) {
            batchSequences.put(collection, last);
        }

        /** The last master etag applied from a replication source, or null when none was. */
        Etag sourceProgress(String source) {
            Etag last = batchSources.get(source);
            if (last == null) {
                last = groupSources.get(source);
            }
            return last != null ? last : index.sourceProgress(source);
        }

        void setSourceProgress(String source, Etag lastApplied) {
            batchSources.put(source, lastApplied);
        }

        private void keep() {
            group.putAll(batch);
            groupSequences.putAll(batchSequences);
            groupSources.putAll(batchSources);
            if (batchLastIssued != null) {
                lastIssued = batchLastIssued;
            }
            clearBatch();
        }

        private void discard() {
            clearBatch();
        }

        private void clearBatch() {
            batch.clear();
            batchSequences.clear();
            batchSources.clear();
            batchLastIssued = null;
        }
    }

    /** A write waiting for the writer: prepared against the group's view, answered after the sync. */
    abstract static class Pending<T> {
        private final CompletableFuture<T> future = new CompletableFuture<>();
        private List<LogEntry> entries;
        private RuntimeException rejection;

        /** Checks the write against {@code view} and returns its log entries; throws to reject it. */
        abstract List<LogEntry> prepare(GroupView view);

        /** The caller's answer once the entries are durable. */
        abstract T result();

        /**
         * Whether readers may see this write's changes while its log record is being synced. The
         * caller still hears "done" only after the sync. False unless a subclass says otherwise.
         */
        boolean visibleBeforeSync() {
            return false;
        }

        private void complete() {
            if (rejection != null) {
                future.completeExceptionally(rejection);
            } else {
                future.complete(result());
            }
        }
    }
}
