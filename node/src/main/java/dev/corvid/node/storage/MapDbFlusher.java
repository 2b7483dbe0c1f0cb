package dev.corvid.node.storage;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that writes MapDB: it takes what the storage writer applied (already durable in
 * the write-ahead log), in log order, and at each commit puts the latest of it into MapDB. After a
 * commit, the log segments it covers are recycled. So a MapDB commit — tens of milliseconds for a
 * few thousand documents — never stalls a write; it only decides how much log a restart replays.
 *
 * <p>Back-pressure: when more than {@value #MAX_STAGED} items wait, the writer waits for room.
 */
final class MapDbFlusher {

    private static final Logger log = LoggerFactory.getLogger(MapDbFlusher.class);
    private static final int MAX_STAGED = 200_000;

    private record Staged(long seq, List<Object> items) {
    }

    private static final Staged STOP = new Staged(-1, List.of());

    private final MapDbIndex index;
    private final WriteAheadLog wal;
    private final GroupCommitWriter.CheckpointPolicy policy;
    private final LinkedBlockingQueue<Staged> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger staged = new AtomicInteger();
    private final Object room = new Object();
    private final Thread thread;
    private volatile Throwable failure;
    private final java.util.function.Consumer<Throwable> onFailure;

    // Flusher thread only.
    private long flushedSeq;
    private long flushedChange;
    private int sinceCommit;
    private long lastCommitNanos = System.nanoTime();
    /** What MapDB receives at the next commit. */
    private final DirtyItems dirty = new DirtyItems();

    MapDbFlusher(MapDbIndex index, WriteAheadLog wal, GroupCommitWriter.CheckpointPolicy policy, long checkpointSeq,
                 java.util.function.Consumer<Throwable> onFailure) {
        this.onFailure = onFailure;
        this.index = index;
        this.wal = wal;
        this.policy = policy;
        this.flushedSeq = checkpointSeq;
        this.thread = new Thread(this::run, "corvid-index-flusher");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues the MapDB side of one committed log record. Never blocks. */
    void stage(long seq, List<Object> items) {
        staged.addAndGet(items.size());
        queue.add(new Staged(seq, items));
    }

    /** Waits while MapDB is far behind, so memory stays bounded. */
    void awaitRoom() throws InterruptedException {
        synchronized (room) {
            while (staged.get() > MAX_STAGED && failure == null && thread.isAlive()) {
                room.wait(100);
            }
        }
    }

    Throwable failure() {
        return failure;
    }

    /** Persists and commits everything staged, then ends the thread. */
    void stop() {
        queue.add(STOP);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            while (true) {
                Staged next = queue.poll(policy.idleMillis(), TimeUnit.MILLISECONDS);
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
                for (Object item : next.items()) {
                    dirty.add(item);
                    if (item instanceof MapDbIndex.PendingRecord p) {
                        flushedChange = Math.max(flushedChange, p.change());
                    }
                }
                assert next.seq() > flushedSeq : next.seq() + " <= " + flushedSeq;
                flushedSeq = next.seq();
                sinceCommit += next.items().size();
                if (staged.addAndGet(-next.items().size()) <= MAX_STAGED) {
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
        List<MapDbIndex.PendingRecord> records = dirty.persistTo(index);
        index.checkpoint(flushedSeq, flushedChange);
        index.committed(records);
        wal.retireSegmentsUpTo(flushedSeq);
        wal.prepareSpare();
        log.debug("MapDB commit of {} entries ({} distinct) up to log record {} took {} ms", sinceCommit,
                records.size(), flushedSeq, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        sinceCommit = 0;
        lastCommitNanos = System.nanoTime();
    }
}
