package dev.corvid.node.storage.index;

import java.util.Map;
import java.util.TreeMap;

/**
 * The change counters that long reads (a content scan, the ranking of members) read as of, while
 * they run. A checkpoint's clean-up keeps what memory holds for changes after the lowest of them,
 * so such a read needs no lock for its whole length and holds nobody up; what it kept is dropped
 * by the next clean-up after the read ends.
 */
final class Pins {

    private final TreeMap<Long, Integer> pinned = new TreeMap<>();

    /** Pins {@code change}; under the index lock, with the view it comes from. */
    synchronized void pin(long change) {
        pinned.merge(change, 1, Integer::sum);
    }

    /** Releases one pin of {@code change}. */
    synchronized void release(long change) {
        pinned.computeIfPresent(change, (c, n) -> n == 1 ? null : n - 1);
    }

    /** {@code through}, or the lowest change pinned if it is lower: what a clean-up may drop up to. */
    synchronized long dropUpTo(long through) {
        Map.Entry<Long, Integer> lowest = pinned.firstEntry();
        return lowest == null ? through : Math.min(through, lowest.getKey());
    }
}
