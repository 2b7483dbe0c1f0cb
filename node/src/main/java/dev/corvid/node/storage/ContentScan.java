package dev.corvid.node.storage;

import dev.corvid.node.storage.index.DocumentRecord;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * A listing of every id a node has a record of (live or tombstone), in id order, as of one point
 * in time, read page by page with a hash of each body; see {@link Storage#contentScan}.
 *
 * <p>Semantics: the set of ids, {@link #size()}, {@link #lastEtag()} and
 * {@link #lastAppliedFromSource()} describe one state of the node, between two write groups. The
 * ids are read from the index a page at a time as of that point, and their bodies with them,
 * without holding a lock (a node with millions of documents keeps taking writes meanwhile), so
 * a scan holds a page in memory, not the listing. An id whose record changed after the snapshot
 * no longer has its snapshot version: it is left out of the pages and counted in
 * {@link #changedDuringScan()}. When that count is 0 at the end, the pages are exactly the node's
 * state at the snapshot. Ids created after the snapshot are not listed.
 *
 * <p>While open, the scan keeps the index holding what it needs to read as of its point (what
 * changed since, at most until the next checkpoint after it ends): {@link #close} it when done,
 * read to the end or not.
 *
 * <p>Not thread-safe: one reader pages through it; {@link #close} may come from any thread.
 */
public final class ContentScan implements AutoCloseable {

    /** How many bytes of the SHA-256 of a body a digest keeps: 128 bits, plenty to tell bodies apart. */
    public static final int HASH_BYTES = 16;

    /** The ids of the snapshot, in id order, a step at a time. */
    public interface Ids {

        /** The next (up to) {@code max} ids, in id order; empty once {@link #done()}. */
        List<String> next(int max);

        /** Whether {@link #next} has returned every id. */
        boolean done();
    }

    private final Etag lastEtag;
    private final Etag lastApplied;
    private final long size;
    private final long at;
    private final Ids ids;
    private final Function<List<String>, List<DocumentRecord>> records;
    private final Runnable release;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final MessageDigest sha256;
    private long changed;

    /**
     * A scan of a snapshot the index took; see {@code DocumentIndex#contentScan}.
     *
     * @param size    how many ids the snapshot holds
     * @param at      the change counter of the snapshot: a record with a later one changed since
     * @param ids     the snapshot's ids
     * @param records reads the current records of some ids (null for an id without one)
     * @param release called once, on {@link #close}
     */
    public ContentScan(Etag lastEtag, Etag lastApplied, long size, long at, Ids ids,
                       Function<List<String>, List<DocumentRecord>> records, Runnable release) {
        this.lastEtag = lastEtag;
        this.lastApplied = lastApplied;
        this.size = size;
        this.at = at;
        this.ids = ids;
        this.records = records;
        this.release = release;
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** This node's last etag at the snapshot; null when it had never written. */
    public Etag lastEtag() {
        return lastEtag;
    }

    /** The last master etag applied from the scan's source at the snapshot; null when none (always on a master). */
    public Etag lastAppliedFromSource() {
        return lastApplied;
    }

    /** How many ids the snapshot holds, live and tombstones. */
    public long size() {
        return size;
    }

    /** Whether {@link #nextPage} has returned every entry. */
    public boolean done() {
        return ids.done();
    }

    /**
     * The digests of the next (up to) {@code max} ids of the snapshot, in id order; fewer when some
     * changed since the snapshot (see {@link #changedDuringScan()}); empty once {@link #done()}.
     */
    public List<ContentDigest> nextPage(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("a page holds at least one entry, not " + max);
        }
        if (closed.get()) {
            throw new IllegalStateException("the content scan is closed");
        }
        List<String> page = ids.next(max);
        List<DocumentRecord> current = records.apply(page);
        List<ContentDigest> out = new ArrayList<>(page.size());
        for (int i = 0; i < page.size(); i++) {
            DocumentRecord r = current.get(i);
            if (r == null || r.etag().change() > at) {
                changed++; // rewritten since the snapshot: its snapshot version is gone
                continue;
            }
            out.add(new ContentDigest(page.get(i), r.etag(), r.tombstone(), r.collection(),
                    r.tombstone() ? new byte[0] : Arrays.copyOf(sha256.digest(r.body()), HASH_BYTES),
                    !r.tombstone() && ContentDigest.isConflict(r.metadata())));
        }
        return out;
    }

    /** Ids of the snapshot read so far that were left out because they changed after it. */
    public long changedDuringScan() {
        return changed;
    }

    /** Ends the scan; idempotent, any thread. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            release.run();
        }
    }
}
