package dev.corvid.node.storage.index;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The order of the change feed: every id once, at the change counter of its current record, in
 * counter order.
 *
 * <p>The writer issues counters in increasing order, so entries are appended to two parallel
 * arrays that stay sorted by counter. Appending is O(1); removing an id's previous entry is a
 * binary search over a {@code long[]} that leaves a hole (the counter stays, so the array stays
 * sorted), and the holes are squeezed out once they outnumber the entries: amortized O(1), and
 * at most twice the memory of the entries themselves. (A {@code ConcurrentSkipListMap} did this
 * before, and its cache-missing search for every removal cost several percent of a node's CPU.)
 *
 * <p>Not thread-safe: the index's lock guards it, the writer appending and removing under the
 * write lock, readers under the read lock.
 */
final class ChangeOrder {

    private static final int MIN_CAPACITY = 1024;

    /** Counters of every slot, holes included: strictly increasing over {@code [0, size)}. */
    private long[] changes;
    /** The id of each slot; null for a hole. */
    private String[] ids;
    private int size;
    private int holes;

    ChangeOrder() {
        this(new long[MIN_CAPACITY], new String[MIN_CAPACITY], 0);
    }

    private ChangeOrder(long[] changes, String[] ids, int size) {
        this.changes = changes;
        this.ids = ids;
        this.size = size;
    }

    /** One entry for {@link #of}: the current change counter of {@code id}. */
    record Entry(long change, String id) {
    }

    /** The order of entries given in any order (opening a store); counters must be distinct. */
    static ChangeOrder of(List<Entry> entries) {
        Entry[] sorted = entries.toArray(Entry[]::new);
        Arrays.sort(sorted, Comparator.comparingLong(Entry::change));
        int capacity = Math.max(MIN_CAPACITY, sorted.length + sorted.length / 2);
        ChangeOrder order = new ChangeOrder(new long[capacity], new String[capacity], 0);
        for (Entry e : sorted) {
            order.append(e.change(), e.id());
        }
        return order;
    }

    /** Adds {@code id} at {@code change}, which must be above every counter added before. */
    void append(long change, String id) {
        if (size > 0 && change <= changes[size - 1]) {
            throw new IllegalArgumentException("change " + change + " is not after the last one, " + changes[size - 1]);
        }
        if (size == changes.length) {
            resize(Math.max(MIN_CAPACITY, size * 2));
        }
        changes[size] = change;
        ids[size] = id;
        size++;
    }

    /**
     * Removes the entry at {@code change}.
     *
     * @return false when there is none
     */
    boolean remove(long change) {
        int at = Arrays.binarySearch(changes, 0, size, change);
        if (at < 0 || ids[at] == null) {
            return false;
        }
        ids[at] = null;
        holes++;
        if (holes > size - holes) {
            squeeze();
        }
        return true;
    }

    /** Entries present (holes not counted). */
    int count() {
        return size - holes;
    }

    /** The entry with the highest counter, or null when there is none. */
    Entry last() {
        for (int i = size - 1; i >= 0; i--) {
            if (ids[i] != null) {
                return new Entry(changes[i], ids[i]);
            }
        }
        return null;
    }

    /** Adds to {@code out} the ids of up to {@code limit} entries after {@code change}, in order. */
    void idsAfter(long change, int limit, List<String> out) {
        int added = 0;
        for (int i = firstAfter(change); i < size && added < limit; i++) {
            if (ids[i] != null) {
                out.add(ids[i]);
                added++;
            }
        }
    }

    /** How many entries come after {@code change}: O(entries after it). */
    long countAfter(long change) {
        long count = 0;
        for (int i = firstAfter(change); i < size; i++) {
            if (ids[i] != null) {
                count++;
            }
        }
        return count;
    }

    /** Calls {@code visitor} for every entry, in counter order. */
    void forEach(Visitor visitor) {
        for (int i = 0; i < size; i++) {
            if (ids[i] != null) {
                visitor.visit(changes[i], ids[i]);
            }
        }
    }

    @FunctionalInterface
    interface Visitor {
        void visit(long change, String id);
    }

    /** The first slot whose counter is above {@code change}. */
    private int firstAfter(long change) {
        int at = Arrays.binarySearch(changes, 0, size, change);
        return at >= 0 ? at + 1 : -at - 1;
    }

    /** Moves the entries together, dropping the holes, and gives back memory the entries no longer need. */
    private void squeeze() {
        int to = 0;
        for (int from = 0; from < size; from++) {
            if (ids[from] != null) {
                changes[to] = changes[from];
                ids[to] = ids[from];
                to++;
            }
        }
        Arrays.fill(ids, to, size, null);
        size = to;
        holes = 0;
        if (changes.length > MIN_CAPACITY && size < changes.length / 4) {
            resize(Math.max(MIN_CAPACITY, size * 2));
        }
    }

    private void resize(int capacity) {
        changes = Arrays.copyOf(changes, capacity);
        ids = Arrays.copyOf(ids, capacity);
    }
}
