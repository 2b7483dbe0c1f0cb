package dev.corvid.node.storage.index;

import dev.corvid.node.storage.AnswerTooLargeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The encoded records of the index, in three layers, and how a read gets a consistent set of
 * them: first the records applied since the last checkpoint ({@code recent}), then the
 * {@link RecordCache} of checkpointed ones, then the {@link IndexStore} itself. A record moves
 * from {@code recent} to the cache only after the checkpoint holds it, so the current record of
 * an id is the one in {@code recent}, else the cached one, else the store's.
 *
 * <p>Why the cached one is current when {@code recent} has none: the cache takes a record only
 * from a checkpoint (under the drop lock) or from a store read of the current record, and it
 * keeps the higher of two change counters; a read offers what it read under the drop lock's read
 * side, so no checkpoint can offer, and the cache lose, a newer version in between.
 *
 * <p>{@code recent} is bounded by the checkpoint's window (entries and bytes); the cache by its
 * capacity. Shares the {@link DocumentIndex}'s locks.
 */
final class RecordLayers {

    /** How many times a read locates its records before it reads the store under the index lock after all. */
    private static final int OPTIMISTIC_READS = 3;

    private final IndexStore store;
    /** id -> encoded record applied here that the checkpoint does not hold yet. */
    private final Map<String, byte[]> recent = new ConcurrentHashMap<>();
    /** Records the checkpoint holds, as far as they fit. */
    private final RecordCache cache;
    private final IndexLock lock;
    /** The change counter readers see now. */
    private final LongSupplier visibleChange;

    RecordLayers(IndexStore store, long cacheBytes, IndexLock lock, LongSupplier visibleChange) {
        this.store = store;
        this.cache = new RecordCache(cacheBytes);
        this.lock = lock;
        this.visibleChange = visibleChange;
    }

    /** Keeps the new current record of {@code id} until the checkpoint holds it. Writer, under the write lock. */
    void applied(String id, byte[] record) {
        recent.put(id, record);
    }

    /**
     * After a checkpoint that holds {@code records}: they move from {@code recent} to the cache. A
     * newer version applied meanwhile stays in {@code recent}. Under the drop lock.
     */
    void checkpointed(List<IndexWrite.Document> records) {
        for (IndexWrite.Document p : records) {
            cache.offer(p.id(), p.record());
            recent.remove(p.id(), p.record());
        }
    }

    /**
     * The current record of {@code id} as the writer sees it (only the writer changes it), or
     * null. Writer thread, outside the index lock: it may read the store.
     */
    byte[] current(String id) {
        byte[] raw = recent.get(id);
        if (raw == null) {
            raw = cache.get(id);
        }
        if (raw == null) {
            raw = store.record(id);
            if (raw != null) {
                cache.offer(id, raw);
            }
        }
        return raw;
    }

    /**
     * For each of {@code ids}, its record as of some moment during the call, at least as new as
     * the one current when the call began (or null when it had none): a read of records that
     * each stand alone (a content scan checks each against its snapshot), without any lock, and
     * without filling the cache, since such a read takes each record once. Any thread.
     */
    List<byte[]> latest(List<String> ids) {
        List<byte[]> out = new ArrayList<>(ids.size());
        for (String id : ids) {
            // In this order: a checkpoint offers a record to the cache before it leaves recent,
            // and a record leaves the cache only once the store holds it.
            byte[] raw = inMemory(id);
            out.add(raw != null ? raw : store.record(id));
        }
        return out;
    }

    /**
     * The record in memory, or null when only the store may have one: under the index lock for a
     * set of records at one point ({@link #read}), or without it for records that stand alone
     * ({@link #latest}).
     */
    private byte[] inMemory(String id) {
        byte[] raw = recent.get(id);
        return raw != null ? raw : cache.get(id);
    }

    /**
     * The current records of {@code ids} (null where there is none), all as of one point between
     * write groups, stopping with {@link AnswerTooLargeException} once they add up to more than
     * {@code maxBytes}, so a read of many large documents that the store alone holds never has
     * more than that (and one record) in memory.
     *
     * <p>The store is read outside the index lock, because a store read waits while a checkpoint
     * commits (tens to hundreds of milliseconds under load), and a reader holding the index lock
     * would hold up the writer, and with it every write and replicated change. So the records in
     * memory are found under the lock, at the change counter it shows, and the others are read
     * from the store after it: a record there with a higher counter was written since (the id's
     * version at that point is gone), and the whole read starts over. After
     * {@value #OPTIMISTIC_READS} such attempts, a read that keeps losing the race reads under the
     * lock.
     */
    List<byte[]> read(List<String> ids, long maxBytes) {
        return lock.stable(() -> {
            for (int attempt = 0; attempt < OPTIMISTIC_READS; attempt++) {
                long[] at = new long[1];
                List<byte[]> located = lock.read(() -> {
                    at[0] = visibleChange.getAsLong();
                    List<byte[]> out = new ArrayList<>(ids.size());
                    for (String id : ids) {
                        out.add(inMemory(id));
                    }
                    return out;
                });
                List<byte[]> out = fromStore(ids, located, at[0], maxBytes);
                if (out != null) {
                    return out;
                }
            }
            return lock.read(() -> {
                List<byte[]> located = new ArrayList<>(ids.size());
                for (String id : ids) {
                    located.add(inMemory(id));
                }
                return fromStore(ids, located, Long.MAX_VALUE, maxBytes);
            });
        });
    }

    /** Fills in what only the store holds; null when a record there is newer than {@code at}. */
    private List<byte[]> fromStore(List<String> ids, List<byte[]> located, long at, long maxBytes) {
        List<byte[]> out = new ArrayList<>(ids.size());
        long bytes = 0;
        for (int i = 0; i < ids.size(); i++) {
            byte[] raw = located.get(i);
            if (raw == null) {
                raw = store.record(ids.get(i));
                if (raw != null) {
                    if (DocumentRecord.change(raw) > at) {
                        return null;
                    }
                    cache.offer(ids.get(i), raw);
                }
            }
            bytes += raw == null ? 0 : raw.length;
            if (bytes > maxBytes) {
                throw new AnswerTooLargeException(bytes, maxBytes);
            }
            out.add(raw);
        }
        return out;
    }
}
