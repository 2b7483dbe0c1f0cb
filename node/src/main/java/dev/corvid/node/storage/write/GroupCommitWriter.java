package dev.corvid.node.storage.write;

import dev.corvid.node.storage.Change;
import dev.corvid.node.storage.CheckpointPolicy;
import dev.corvid.node.storage.ConflictPolicy;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.HandbackOutcome;
import dev.corvid.node.storage.HandedBack;
import dev.corvid.node.storage.IdRange;
import dev.corvid.node.storage.Storage;
import dev.corvid.node.storage.StorageObserver;
import dev.corvid.node.storage.StorageUnavailableException;
import dev.corvid.node.storage.WriteBatch;
import dev.corvid.node.storage.WriteResult;
import dev.corvid.node.storage.index.DocumentIndex;
import dev.corvid.node.storage.mapdb.MapDbFlusher;
import dev.corvid.node.storage.wal.ChangeCounter;
import dev.corvid.node.storage.wal.LogEntry;
import dev.corvid.node.storage.wal.WriteAheadLog;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
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
 *
 * <p>The writes it takes are {@link BatchWrite}s (a client's batch), {@link ReserveIdsWrite}s and
 * {@link ReplicatedWrite}s (a master's changes on a replica), each a {@link Pending} that turns
 * into log entries once checked against the {@link GroupView}.
 */
public final class GroupCommitWriter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GroupCommitWriter.class);
    private static final int MAX_GROUP = 1024;
    /**
     * What a write in flight when the disk failed hears: it reached the log file but not its sync,
     * so a restart may or may not find it there.
     */
    static final String UNKNOWN_OUTCOME = "storage stopped: the disk failed while this write was being made "
            + "durable, so it was not acknowledged; after a restart it may or may not be there (";

    private final DocumentIndex index;
    private final MapDbFlusher flusher;
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
    private volatile StorageObserver observer = StorageObserver.NONE;

    // Guarded by "this": once true, nothing more is queued.
    private boolean stopping;
    private volatile Throwable failure;
    private volatile Etag lastEtag;

    // Writer thread only.
    private long lastChange;
    private long nextSeq;

    /**
     * Starts the writer thread for storage opened and recovered up to log record {@code nextSeq - 1}.
     *
     * @param lastEtag the last etag this node issued, or null when it never wrote
     */
    public GroupCommitWriter(DocumentIndex index, MapDbFlusher flusher, WriteAheadLog wal, ChangeCounter counter,
                             int nodeTag, int restart, long nextSeq, Etag lastEtag, CheckpointPolicy policy) {
        this.index = index;
        this.flusher = flusher;
        this.wal = wal;
        this.counter = counter;
        this.nodeTag = nodeTag;
        this.restart = restart;
        this.nextSeq = nextSeq;
        this.lastChange = Math.max(index.lastChange(), counter.floor());
        this.lastEtag = lastEtag;
        this.policy = policy;
        this.syncer = new LogSyncer(wal, flusher, this::notifyCommitted, this::fail);
        this.thread = new Thread(this::run, "corvid-storage-writer");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /**
     * Hears each sync of the log (metrics): a group's own sync here (a master's writes), and the
     * shared ones of the {@link LogSyncer} (a replica's).
     */
    public void observe(StorageObserver observer) {
        this.observer = observer;
        syncer.observe(observer);
    }

    /** The last etag this node issued, or null when it never wrote. */
    public Etag lastEtag() {
        return lastEtag;
    }

    /** See {@link Storage#addCommitListener}. */
    public void addCommitListener(Consumer<Etag> listener) {
        commitListeners.add(listener);
    }

    /** See {@link Storage#addFailureListener}. */
    public void addFailureListener(Consumer<Throwable> listener) {
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
    public void fail(Throwable cause) {
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

    /** See {@link Storage#write}: the batch's etags checked, then its puts and deletes. */
    public List<WriteResult> write(WriteBatch batch) {
        return submit(new BatchWrite(batch));
    }

    /** See {@link Storage#writeAsync}. */
    public CompletableFuture<List<WriteResult>> writeAsync(WriteBatch batch) {
        return submitAsync(new BatchWrite(batch));
    }

    /** See {@link Storage#reserveIds}; {@code count} is checked already. */
    public IdRange reserveIds(String collection, long count) {
        return submit(new ReserveIdsWrite(collection, count));
    }

    /** See {@link Storage#applyReplicatedAsync}. */
    public CompletableFuture<Etag> applyReplicatedAsync(String source, List<Change> changes, Etag through) {
        return submitAsync(new ReplicatedWrite(source, changes, through));
    }

    /** See {@link dev.corvid.node.storage.Storage#recordProgressAsync}. */
    public CompletableFuture<Void> recordProgressAsync(String name, Etag position) {
        return submitAsync(new ProgressWrite(name, position));
    }

    /** See {@link dev.corvid.node.storage.Storage#handBackAsync}. */
    public CompletableFuture<List<HandbackOutcome>> handBackAsync(String from, String self, List<HandedBack> versions,
                                                                  ConflictPolicy policy) {
        return submitAsync(new HandbackWrite(from, self, versions, policy));
    }

    /** Queues a write and waits until it is durable and visible, or rejected. */
    private <T> T submit(Pending<T> pending) {
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
    private <T> CompletableFuture<T> submitAsync(Pending<T> pending) {
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
            group.forEach(p -> p.fail(inFlight));
            synchronized (this) {
                stopping = true;
            }
            StorageUnavailableException notRun = new StorageUnavailableException(
                    "storage stopped after a failed disk write (" + t + "); the write was not applied", t);
            queue.forEach(p -> p.fail(notRun));
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
        GroupView view = new GroupView(index, nodeTag, restart, lastChange);
        List<DocumentIndex.Committed> committed = new ArrayList<>(group.size());
        for (Pending<?> pending : group) {
            try {
                pending.entries = pending.prepare(view);
                view.keep();
            } catch (RuntimeException rejected) {
                view.discard();
                pending.rejection = rejected;
                continue;
            }
            if (!pending.entries.isEmpty()) {
                long seq = nextSeq++;
                wal.append(seq, LogEntry.encode(pending.entries));
                int changes = changes(pending.entries);
                if (changes > 0) {
                    observer.written(changes);
                }
                committed.add(new DocumentIndex.Committed(seq, pending.entries));
            }
        }
        lastChange = view.lastChange();
        // Before any of the group's etags can reach a reader or the disk.
        counter.ensureReserved(lastChange);
        long t1 = System.nanoTime();
        prepareNanos += t1 - t0;
        if (committed.isEmpty()) {
            // Nothing to log; still answered after the groups before it.
            if (syncer.isIdle()) {
                group.forEach(Pending::complete);
            } else {
                syncer.enqueue(new LogSyncer.Synced(List.copyOf(group), List.of(), null));
            }
            return;
        }
        Throwable indexFailure = flusher.failure();
        if (indexFailure != null) {
            throw new IOException("the MapDB index cannot be written: " + indexFailure, indexFailure);
        }
        if (group.stream().allMatch(Pending::visibleBeforeSync)) {
            List<DocumentIndex.Shown> shown = show(committed, view);
            wal.write();
            applyNanos += System.nanoTime() - t1;
            syncer.enqueue(new LogSyncer.Synced(List.copyOf(group), shown, view.lastIssued()));
            return;
        }
        syncer.awaitIdle();
        long t2 = System.nanoTime();
        wal.sync();
        long t3 = System.nanoTime();
        syncNanos += t3 - t2;
        observer.synced(t3 - t2, 1, group.size());
        List<DocumentIndex.Shown> shown = show(committed, view);
        flusher.stage(shown);
        applyNanos += (t2 - t1) + (System.nanoTime() - t3);
        if (view.lastIssued() != null) {
            notifyCommitted(view.lastIssued());
        }
        group.forEach(Pending::complete);
    }

    /** Makes a group's log records visible to readers. */
    private List<DocumentIndex.Shown> show(List<DocumentIndex.Committed> committed, GroupView view) {
        List<DocumentIndex.Shown> shown = index.show(committed);
        if (view.lastIssued() != null) {
            lastEtag = view.lastIssued();
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

    /** The document changes (puts and deletes) among a write's log entries. */
    private static int changes(List<LogEntry> entries) {
        int changes = 0;
        for (LogEntry entry : entries) {
            if (entry instanceof LogEntry.Put || entry instanceof LogEntry.Delete) {
                changes++;
            }
        }
        return changes;
    }
}
