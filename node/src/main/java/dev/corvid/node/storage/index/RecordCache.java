package dev.corvid.node.storage.index;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Encoded document records that the checkpoint holds, kept in memory so that reads seldom go to
 * the {@link IndexStore}: a store read waits while a checkpoint commits, which under load takes
 * tens to hundreds of milliseconds, and the read would hold up the transport thread that serves it.
 *
 * <p>Bounded by an estimate of the bytes it holds. When an insert takes it past its capacity,
 * entries are dropped in hash order, which is unrelated to ids or age (so, in effect, at random)
 * until it is at 90 %. A dropped record is read from the store again when it is asked for.
 *
 * <p>Thread-safe. Where two versions of a record meet, the one with the higher change counter
 * stays: a reader that read an old version from the store can never replace a newer one.
 */
final class RecordCache {

    /** What an entry costs besides its record: the key, the map node and the array headers. */
    private static final int ENTRY_OVERHEAD = 96;

    private final long capacityBytes;
    private final Map<String, byte[]> records = new ConcurrentHashMap<>();
    private final AtomicLong bytes = new AtomicLong();
    private final Object evicting = new Object();

    /** @param capacityBytes at most about this many bytes are held; 0 turns the cache off */
    RecordCache(long capacityBytes) {
        if (capacityBytes < 0) {
            throw new IllegalArgumentException("capacityBytes must not be negative, was " + capacityBytes);
        }
        this.capacityBytes = capacityBytes;
    }

    /** The cached record of {@code id}, or null. */
    byte[] get(String id) {
        return records.get(id);
    }

    /** Caches {@code record} unless a record with a higher or equal change counter is cached already. */
    void offer(String id, byte[] record) {
        if (capacityBytes == 0) {
            return;
        }
        long change = DocumentRecord.change(record);
        long[] delta = new long[1];
        records.compute(id, (key, cached) -> {
            if (cached != null && DocumentRecord.change(cached) >= change) {
                return cached;
            }
            delta[0] = cost(key, record) - (cached == null ? 0 : cost(key, cached));
            return record;
        });
        if (bytes.addAndGet(delta[0]) > capacityBytes) {
            evict();
        }
    }

    /** Bytes held, as estimated. */
    long bytes() {
        return bytes.get();
    }

    int size() {
        return records.size();
    }

    private void evict() {
        synchronized (evicting) {
            long target = capacityBytes / 10 * 9;
            Iterator<Map.Entry<String, byte[]>> it = records.entrySet().iterator();
            while (bytes.get() > target && it.hasNext()) {
                Map.Entry<String, byte[]> e = it.next();
                if (records.remove(e.getKey(), e.getValue())) {
                    bytes.addAndGet(-cost(e.getKey(), e.getValue()));
                }
            }
        }
    }

    private static long cost(String id, byte[] record) {
        return ENTRY_OVERHEAD + 2L * id.length() + record.length;
    }
}
