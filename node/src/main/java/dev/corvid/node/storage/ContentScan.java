package dev.corvid.node.storage;

import dev.corvid.node.storage.index.DocumentRecord;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * A listing of every id a node has a record of (live or tombstone), in id order, as of one point
 * in time, read page by page with a hash of each body; see {@link Storage#contentScan}.
 *
 * <p>Semantics: the set of ids, their etags, {@link #lastEtag()} and {@link #lastAppliedFromSource()}
 * are taken together under the index's read lock, so they describe one state of the node, between
 * two write groups. Bodies are read later, page by page, without holding the lock (a node with a
 * million documents keeps taking writes meanwhile). An id whose record changed after the snapshot
 * no longer has its snapshot version: it is left out of the pages and counted in
 * {@link #changedDuringScan()}. When that count is 0 at the end, the pages are exactly the node's
 * state at the snapshot. Ids created after the snapshot are not listed.
 *
 * <p>Not thread-safe: one reader pages through it.
 */
public final class ContentScan {

    /** How many bytes of the SHA-256 of a body a digest keeps: 128 bits, plenty to tell bodies apart. */
    public static final int HASH_BYTES = 16;

    /** One id of the snapshot and the change counter of its record at that point. */
    public record Entry(String id, long change) {
    }

    private final Etag lastEtag;
    private final Etag lastApplied;
    private final Entry[] entries;
    private final Function<List<String>, List<DocumentRecord>> records;
    private final MessageDigest sha256;
    private int next;
    private long changed;

    /**
     * A scan of a snapshot the index took; see {@code DocumentIndex#contentScan}.
     *
     * @param entries the snapshot's ids in any order (sorted here, off the index lock)
     * @param records reads the current records of some ids (null for an id without one)
     */
    public ContentScan(Etag lastEtag, Etag lastApplied, Entry[] entries, Function<List<String>, List<DocumentRecord>> records) {
        this.lastEtag = lastEtag;
        this.lastApplied = lastApplied;
        this.entries = entries;
        this.records = records;
        Arrays.sort(this.entries, Comparator.comparing(Entry::id));
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
    public int size() {
        return entries.length;
    }

    /** Whether {@link #nextPage} has returned every entry. */
    public boolean done() {
        return next >= entries.length;
    }

    /**
     * The digests of the next (up to) {@code max} ids of the snapshot, in id order; fewer when some
     * changed since the snapshot (see {@link #changedDuringScan()}); empty once {@link #done()}.
     */
    public List<ContentDigest> nextPage(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("a page holds at least one entry, not " + max);
        }
        int end = Math.min(entries.length, next + max);
        List<String> ids = new ArrayList<>(end - next);
        for (int i = next; i < end; i++) {
            ids.add(entries[i].id());
        }
        List<DocumentRecord> current = records.apply(ids);
        List<ContentDigest> page = new ArrayList<>(ids.size());
        for (int i = next; i < end; i++) {
            DocumentRecord r = current.get(i - next);
            if (r == null || r.etag().change() != entries[i].change()) {
                changed++; // rewritten since the snapshot: its snapshot version is gone
                continue;
            }
            page.add(new ContentDigest(entries[i].id(), r.etag(), r.tombstone(), r.collection(),
                    r.tombstone() ? new byte[0] : Arrays.copyOf(sha256.digest(r.body()), HASH_BYTES),
                    !r.tombstone() && ContentDigest.isConflict(r.metadata())));
        }
        next = end;
        return page;
    }

    /** Ids of the snapshot read so far that were left out because they changed after it. */
    public long changedDuringScan() {
        return changed;
    }
}
