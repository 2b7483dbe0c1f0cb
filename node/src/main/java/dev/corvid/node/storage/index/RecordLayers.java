package dev.corvid.node.storage.index;

import dev.corvid.node.storage.AnswerTooLargeException;
import dev.corvid.node.storage.Etag;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The encoded records of the index, in three layers, and how a read gets a consistent set of
 * them: first the records applied since the last checkpoint ({@code recent}), then the
 * {@link RecordCache} of checkpointed ones, then the {@link IndexStore} itself. A record moves
 * from {@code recent} to the cache only after the checkpoint holds it, so a reader always finds
 * the current record in one of the layers.
 *
 * <p>Shares the {@link DocumentIndex}'s lock and its headers (id to current etag): the writer
 * changes both under the write lock, and a read locates its records under the read lock.
 */
final class RecordLayers {

    /** How many times a read locates its records before it reads the store under the lock after all. */
    private static final int OPTIMISTIC_READS = 3;

    private final IndexStore store;
    /** id -> encoded record applied here that the checkpoint does not hold yet. */
    private final Map<String, byte[]> recent = new ConcurrentHashMap<>();
    /** Records the checkpoint holds, as far as they fit. */
    private final RecordCache cache;
    private final IndexLock lock;
    /** The index's headers: the etag each id's current record carries. Guarded by {@link #lock} for writes. */
    private final Map<String, DocumentRecord.Header> headers;

    RecordLayers(IndexStore store, long cacheBytes, IndexLock lock, Map<String, DocumentRecord.Header> headers) {
        this.store = store;
        this.cache = new RecordCache(cacheBytes);
        this.lock = lock;
        this.headers = headers;
    }

    /** Keeps the new current record of {@code id} until the checkpoint holds it. Writer, under the write lock. */
    void applied(String id, byte[] record) {
        recent.put(id, record);
    }

    /**
     * After a checkpoint that holds {@code records}: they move from {@code recent} to the cache
     * (in that order, so a reader always finds the record in one of them). A newer version applied
     * meanwhile stays in {@code recent}.
     */
    void checkpointed(List<IndexWrite.Document> records) {
        for (IndexWrite.Document p : records) {
            cache.offer(p.id(), p.record());
            recent.remove(p.id(), p.record());
        }
    }

    /** After the checkpoint that ends recovery holds {@code records}: {@code recent} forgets them. */
    void recovered(List<IndexWrite.Document> records) {
        for (IndexWrite.Document p : records) {
            recent.remove(p.id(), p.record());
        }
    }

    /**
     * The encoded current record of {@code id}: the one not yet checkpointed first. Under the read
     * lock only as the last resort of {@link #read}: a store read may wait for a checkpoint.
     */
    private byte[] raw(String id) {
        byte[] raw = recent.get(id);
        return raw != null ? raw : store.record(id);
    }

    /**
     * Where the current record of an id is, as seen under the read lock: its bytes when they are in
     * memory, else the etag the store's copy must carry; neither when there is no record.
     */
    private record Located(byte[] inMemory, Etag inStore) {
        static final Located NONE = new Located(null, null);
    }

    /** Under the read lock. */
    private Located locate(String id) {
        byte[] raw = recent.get(id);
        if (raw != null) {
            return new Located(raw, null);
        }
        DocumentRecord.Header header = headers.get(id);
        if (header == null) {
            return Located.NONE;
        }
        byte[] cached = cache.get(id);
        return cached != null && header.etagOf(cached)
                ? new Located(cached, null) : new Located(null, header.etag());
    }

    /**
     * The current records of the ids {@code idsUnderLock} names under the read lock (null where
     * there is none), all as of one point between write groups.
     *
     * <p>The store is read outside the index lock, because a store read waits while a checkpoint
     * commits (tens to hundreds of milliseconds under load), and a reader holding the read lock
     * would hold up the writer, and with it every write and replicated change. So the ids are
     * located under the lock, and the records only the store holds are read after it and checked
     * against the etag the lock saw: a record a checkpoint replaced meanwhile (the document changed
     * since) makes the whole read start over. After {@value #OPTIMISTIC_READS} such attempts, a read that keeps
     * losing the race reads under the lock.
     */
    List<byte[]> read(Supplier<List<String>> idsUnderLock) {
        return read(idsUnderLock, Long.MAX_VALUE);
    }

    /**
     * {@link #read(Supplier)} that stops with {@link AnswerTooLargeException} once the records
     * read add up to more than {@code maxBytes}, so a read of many large documents that the store
     * alone holds never has more than that (and one record) in memory.
     */
    List<byte[]> read(Supplier<List<String>> idsUnderLock, long maxBytes) {
        for (int attempt = 0; attempt < OPTIMISTIC_READS; attempt++) {
            List<String> ids = new ArrayList<>();
            List<Located> located = lock.read(() -> {
                ids.addAll(idsUnderLock.get());
                List<Located> out = new ArrayList<>(ids.size());
                for (String id : ids) {
                    out.add(locate(id));
                }
                return out;
            });
            List<byte[]> out = new ArrayList<>(ids.size());
            long bytes = 0;
            for (int i = 0; i < ids.size(); i++) {
                Located at = located.get(i);
                byte[] raw = at.inMemory();
                if (at.inStore() != null) {
                    raw = store.record(ids.get(i));
                    if (raw == null || !DocumentRecord.hasEtag(raw, at.inStore())) {
                        break;
                    }
                    cache.offer(ids.get(i), raw);
                }
                bytes += raw == null ? 0 : raw.length;
                if (bytes > maxBytes) {
                    throw new AnswerTooLargeException(bytes, maxBytes);
                }
                out.add(raw);
            }
            if (out.size() == ids.size()) {
                return out;
            }
        }
        return lock.read(() -> {
            List<byte[]> out = new ArrayList<>();
            long bytes = 0;
            for (String id : idsUnderLock.get()) {
                byte[] raw = raw(id);
                bytes += raw == null ? 0 : raw.length;
                if (bytes > maxBytes) {
                    throw new AnswerTooLargeException(bytes, maxBytes);
                }
                out.add(raw);
            }
            return out;
        });
    }
}
