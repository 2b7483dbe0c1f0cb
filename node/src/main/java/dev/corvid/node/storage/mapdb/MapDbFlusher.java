package dev.corvid.node.storage.mapdb;

import dev.corvid.node.storage.CheckpointPolicy;
import dev.corvid.node.storage.StorageObserver;
import dev.corvid.node.storage.index.DocumentIndex;
import dev.corvid.node.storage.index.IndexWrite;
import dev.corvid.node.storage.wal.WriteAheadLog;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that writes the {@link MapDbCheckpoint}: it takes what the storage writer showed
 * (already durable in the write-ahead log), in log order, and at each commit puts the latest of
 * it into MapDB. After a commit, the index serves those records from its cache and the log
 * segments the commit covers are recycled. So a MapDB commit — tens of milliseconds for a few
 * thousand documents — never stalls a write; it only decides how much log a restart replays.
 *
 * <p>Before {@link #start}, recovery hands it what the log replay applied and commits that on
 * the opening thread ({@link #stageRecovered}, {@link #commitRecovery}).
 *
 * <p>Back-pressure: when more than {@value #MAX_STAGED} writes, or as many bytes of document
 * records as the checkpoint's window holds ({@link CheckpointPolicy#maxDirtyBytes}), wait, the
 * writer waits for room. So the heap holds at most that much besides the window itself and what
 * MapDB keeps of an uncommitted checkpoint, whatever the size of the documents.
 */
public final class MapDbFlusher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MapDbFlusher.class);
    private static final int MAX_STAGED = 200_000;

    private static final DocumentIndex.Shown STOP = new DocumentIndex.Shown(-1, List.of());

    private final MapDbCheckpoint checkpoint;
    private final DocumentIndex index;
    private final WriteAheadLog wal;
    private final CheckpointPolicy policy;
    private final LinkedBlockingQueue<DocumentIndex.Shown> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger staged = new AtomicInteger();
    private final AtomicLong stagedBytes = new AtomicLong();
    private final Object room = new Object();
    private final Thread thread = new Thread(this::run, "corvid-index-flusher");
    private volatile Throwable failure;
    private Consumer<Throwable> onFailure;
    private volatile StorageObserver observer = StorageObserver.NONE;

    // Flusher thread only (or the opening thread before it starts).
    private long flushedSeq;
    private long flushedChange;
    private int sinceCommit;
    private long lastCommitNanos;
    /** What MapDB receives at the next commit. */
    private final DirtyWrites dirty = new DirtyWrites();

    /** A flusher not started yet, for a checkpoint that covers the log up to {@code checkpoint.checkpointSeq()}. */
    public MapDbFlusher(MapDbCheckpoint checkpoint, DocumentIndex index, WriteAheadLog wal, CheckpointPolicy policy) {
        this.checkpoint = checkpoint;
        this.index = index;
        this.wal = wal;
        this.policy = policy;
        this.flushedSeq = checkpoint.checkpointSeq();
        this.thread.setDaemon(true);
    }

    /** Recovery, before {@link #start}: what replaying one log entry applied to the index. */
    public void stageRecovered(IndexWrite write) {
        dirty.add(write);
    }

    /**
     * Recovery, before {@link #start}: writes what {@link #stageRecovered} received (each document
     * once, however often the log changed it) and commits it as covering the log up to {@code seq}.
     */
    public void commitRecovery(long seq) {
        List<IndexWrite.Document> written = dirty.writeTo(checkpoint);
        checkpoint.commit(seq, index.lastChange());
        index.checkpointed(written, index.lastChange());
        flushedSeq = seq;
    }

    /**
     * Starts the thread; from now on it alone writes and commits MapDB. {@code onFailure} hears
     * once if writing MapDB fails.
     */
    public void start(Consumer<Throwable> onFailure) {
        this.onFailure = onFailure;
        this.lastCommitNanos = System.nanoTime();
        thread.start();
    }

    /**
     * Queues the checkpoint's side of log records the index shows, once they are durable, and
     * waits while MapDB is far behind (so memory stays bounded). Writer thread.
     */
    public void stage(List<DocumentIndex.Shown> shown) throws InterruptedException {
        for (DocumentIndex.Shown record : shown) {
            staged.addAndGet(record.writes().size());
            stagedBytes.addAndGet(recordBytes(record));
            queue.add(record);
        }
        awaitRoom();
    }

    private void awaitRoom() throws InterruptedException {
        synchronized (room) {
            while (full() && failure == null && thread.isAlive()) {
                room.wait(100);
            }
        }
    }

    private boolean full() {
        return staged.get() > MAX_STAGED || stagedBytes.get() > policy.maxDirtyBytes();
    }

    /** The bytes of the document records {@code shown} holds. */
    private static long recordBytes(DocumentIndex.Shown shown) {
        long bytes = 0;
        for (IndexWrite write : shown.writes()) {
            if (write instanceof IndexWrite.Document document) {
                bytes += document.record().length;
            }
        }
        return bytes;
    }

    /** Hears each commit from now on (metrics). */
    public void observe(StorageObserver observer) {
        this.observer = observer;
    }

    /** Why MapDB could not be written, or null. A failed checkpoint takes no more writes. */
    public Throwable failure() {
        return failure;
    }

    /** Persists and commits everything staged, then ends the thread. Nothing when it never started. */
    @Override
    public void close() {
        if (!thread.isAlive()) {
            return;
        }
        queue.add(STOP);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            // Zeroing the spare segment (a segment of zeros and a sync) is the slowest part of an open
            // otherwise: done here, the node serves meanwhile, and a writer that fills its segment
            // first zero-fills a new one itself.
            wal.prepareSpare();
            while (true) {
                DocumentIndex.Shown next = queue.poll(policy.idleMillis(), TimeUnit.MILLISECONDS);
                if (next == null) {
                    if (sinceCommit > 0) {
                        commit();
                    }
                    continue;
                }
                if (next == STOP) {
                    if (sinceCommit > 0) {
                        commit();
                    }
                    return;
                }
                for (IndexWrite write : next.writes()) {
                    dirty.add(write);
                    if (write instanceof IndexWrite.Document document) {
                        flushedChange = Math.max(flushedChange, document.change());
                    }
                }
                assert next.seq() > flushedSeq : next.seq() + " <= " + flushedSeq;
                flushedSeq = next.seq();
                sinceCommit += next.writes().size();
                staged.addAndGet(-next.writes().size());
                stagedBytes.addAndGet(-recordBytes(next));
                if (!full()) {
                    synchronized (room) {
                        room.notifyAll();
                    }
                }
                if (sinceCommit >= policy.maxEntries() || dirty.recordBytes() >= policy.maxDirtyBytes()
                        || System.nanoTime() - lastCommitNanos >= TimeUnit.MILLISECONDS.toNanos(policy.maxAgeMillis())) {
                    commit();
                }
            }
        } catch (Throwable t) {
            failure = t;
            log.error("writing the MapDB index failed; the node takes no more writes: {}", t.toString(), t);
            onFailure.accept(t);
            synchronized (room) {
                room.notifyAll();
            }
        }
    }

    private void commit() throws IOException {
        long started = System.nanoTime();
        List<IndexWrite.Document> records = dirty.writeTo(checkpoint);
        checkpoint.commit(flushedSeq, flushedChange);
        index.checkpointed(records, flushedChange);
        wal.retireSegmentsUpTo(flushedSeq);
        long took = System.nanoTime() - started;
        wal.prepareSpare();
        observer.checkpointed(took, records.size());
        log.debug("MapDB commit of {} entries ({} distinct) up to log record {} took {} ms", sinceCommit,
                records.size(), flushedSeq, TimeUnit.NANOSECONDS.toMillis(took));
        sinceCommit = 0;
        lastCommitNanos = System.nanoTime();
    }
}
