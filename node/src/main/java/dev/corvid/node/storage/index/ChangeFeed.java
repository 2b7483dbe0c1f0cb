package dev.corvid.node.storage.index;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The order of the change feed: every id once, at the change counter of its current record, in
 * counter order. The {@link IndexStore} holds it as of the last checkpoint (up to its
 * {@linkplain View#floor floor}); this class holds, in memory, what changed since: every change
 * after the floor, in two parallel arrays (the writer issues counters in increasing order, so it
 * only appends), each with the counter of the change that superseded it, and the store's changes
 * superseded since the floor.
 *
 * <p>Readers read it as of a {@link View}, without the index lock: the writer publishes a new view
 * after each group, and a reader ignores whatever a later change wrote (an entry or a mark above
 * its view's change counter). The arrays only grow between checkpoints; {@link #checkpointed}
 * drops what the store now holds. It runs under the index's drop lock, which readers hold for
 * their whole read, so no reader sees it half done; a long read pins its view's change counter
 * instead ({@link Pins}), and the marks it needs are kept (its view keeps its own arrays).
 *
 * <p>The writer appends and supersedes under the index's write lock; {@link #checkpointed} runs
 * under both locks.
 */
final class ChangeFeed {

    private static final int MIN_CAPACITY = 1024;
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

    /** A store change that a later one superseded: its id, and the counter of the change that did. */
    private record Superseded(String id, long by) {
    }

    /**
     * What a reader reads: the arrays and how many of their slots it may read, every change up to
     * {@code change} included.
     *
     * @param floor  the change counter the last checkpoint covers: the store holds the order up to
     *               it, the arrays every change after it
     * @param change    the counter of the last change published
     * @param etagHigh  the high half of that change's etag
     */
    record View(long[] changes, String[] ids, long[] supersededBy, int count, long floor, long change, long etagHigh) {
    }

    private final IndexStore store;
    /** Store changes (at most the floor) that a change since superseded, by their counter. */
    private final NavigableMap<Long, Superseded> supersededInStore = new ConcurrentSkipListMap<>();
    private volatile View view;

    // The writer's arrays: the view's, or larger ones not published yet.
    private long[] changes;
    private String[] ids;
    /** The counter of the change that superseded each slot, 0 while it is current. Written with release. */
    private long[] supersededBy;
    private int count;

    /** The feed of a store whose checkpoint covers every change up to {@code floor}. */
    ChangeFeed(IndexStore store, long floor) {
        this.store = store;
        this.changes = new long[MIN_CAPACITY];
        this.ids = new String[MIN_CAPACITY];
        this.supersededBy = new long[MIN_CAPACITY];
        this.view = new View(changes, ids, supersededBy, 0, floor, floor, 0);
    }

    /** The view readers read now. */
    View view() {
        return view;
    }

    /** Adds {@code id} at {@code change}, above every counter added before. Writer, under the write lock. */
    void append(long change, String id) {
        if (change <= view.floor() || count > 0 && change <= changes[count - 1]) {
            throw new IllegalArgumentException("change " + change + " is not after the last one");
        }
        if (count == changes.length) {
            changes = Arrays.copyOf(changes, count * 2);
            ids = Arrays.copyOf(ids, count * 2);
            long[] marks = new long[count * 2];
            for (int i = 0; i < count; i++) {
                marks[i] = (long) SLOT.getAcquire(supersededBy, i);
            }
            supersededBy = marks;
        }
        changes[count] = change;
        ids[count] = id;
        count++;
    }

    /** Marks the entry of {@code id} at {@code change} as superseded by the change {@code by}. Writer, under the write lock. */
    void supersede(long change, String id, long by) {
        if (change > view.floor()) {
            int at = Arrays.binarySearch(changes, 0, count, change);
            if (at < 0) {
                throw new IllegalStateException("change " + change + " of '" + id + "' is not in the change order");
            }
            SLOT.setRelease(supersededBy, at, by);
        } else {
            supersededInStore.put(change, new Superseded(id, by));
        }
    }

    /**
     * Makes everything appended and superseded so far readable, up to {@code change}, whose etag's
     * high half is {@code etagHigh}. Writer, under the write lock.
     */
    void publish(long change, long etagHigh) {
        view = new View(changes, ids, supersededBy, count, view.floor(), change, etagHigh);
    }

    /**
     * After a checkpoint that holds every change up to {@code floor}: the arrays keep only what
     * comes after it, and the marks of the store's superseded changes only those superseded after
     * {@code keepAfter} (at most {@code floor}; lower while a long read pins an older view, which
     * then stays readable: {@link Pins}). Under the drop lock and the write lock.
     */
    void checkpointed(long floor, long keepAfter) {
        View current = view;
        if (floor > current.change()) {
            throw new IllegalArgumentException("checkpoint through " + floor + " past the published change " + current.change());
        }
        if (floor <= current.floor()) {
            return;
        }
        supersededInStore.values().removeIf(s -> s.by() <= keepAfter);
        int from = 0;
        while (from < count && changes[from] <= floor) {
            long by = (long) SLOT.getAcquire(supersededBy, from);
            if (by > floor) {
                supersededInStore.put(changes[from], new Superseded(ids[from], by));
            }
            from++;
        }
        int left = count - from;
        int capacity = Math.max(MIN_CAPACITY, Integer.highestOneBit(Math.max(1, left)) * 2);
        long[] keptChanges = new long[capacity];
        String[] keptIds = new String[capacity];
        long[] keptMarks = new long[capacity];
        System.arraycopy(changes, from, keptChanges, 0, left);
        System.arraycopy(ids, from, keptIds, 0, left);
        for (int i = 0; i < left; i++) {
            keptMarks[i] = (long) SLOT.getAcquire(supersededBy, from + i);
        }
        changes = keptChanges;
        ids = keptIds;
        supersededBy = keptMarks;
        count = left;
        // What the writer appended since its last publication stays unpublished.
        view = new View(changes, ids, supersededBy, current.count() - from, floor, current.change(), current.etagHigh());
    }

    /** Receives entries of the feed; returns false to stop. */
    @FunctionalInterface
    interface Visitor {
        boolean visit(long change, String id);
    }

    /**
     * Calls {@code visitor} with the entries after {@code after} as of {@code at}, in counter
     * order, until it returns false. Reads the store for the part at or below the floor. Under the
     * drop lock (read side), or with {@code at}'s change counter pinned ({@link Pins}); not under
     * the index lock.
     */
    void forEachAfter(View at, long after, Visitor visitor) {
        if (after < at.floor()) {
            NavigableMap<Long, Superseded> superseded = supersededInStore.subMap(after, false, at.floor(), true);
            Iterator<Map.Entry<Long, Superseded>> marks = superseded.entrySet().iterator();
            Map.Entry<Long, Superseded> mark = marks.hasNext() ? marks.next() : null;
            Iterator<Map.Entry<Long, String>> stored = store.changesAfter(after);
            // The store's entries past the floor are the arrays' (written there, not committed yet).
            Map.Entry<Long, String> entry = next(stored, at.floor());
            while (entry != null || mark != null) {
                long change;
                String id;
                boolean present;
                if (mark == null || entry != null && entry.getKey() < mark.getKey()) {
                    change = entry.getKey();
                    id = entry.getValue();
                    present = true;
                    entry = next(stored, at.floor());
                } else {
                    // A superseded store change: present at the view if its successor came later. The
                    // checkpoint may have removed it from the store already.
                    change = mark.getKey();
                    id = mark.getValue().id();
                    present = mark.getValue().by() > at.change();
                    if (entry != null && entry.getKey() == change) {
                        entry = next(stored, at.floor());
                    }
                    mark = marks.hasNext() ? marks.next() : null;
                }
                if (present && !visitor.visit(change, id)) {
                    return;
                }
            }
        }
        int from = firstAfter(at, Math.max(after, at.floor()));
        for (int i = from; i < at.count(); i++) {
            long by = (long) SLOT.getAcquire(at.supersededBy(), i);
            if ((by == 0 || by > at.change()) && !visitor.visit(at.changes()[i], at.ids()[i])) {
                return;
            }
        }
    }

    private static Map.Entry<Long, String> next(Iterator<Map.Entry<Long, String>> stored, long floor) {
        if (!stored.hasNext()) {
            return null;
        }
        Map.Entry<Long, String> e = stored.next();
        return e.getKey() > floor ? null : e;
    }

    /** The first slot of the view whose counter is above {@code change}. */
    private static int firstAfter(View at, long change) {
        int i = Arrays.binarySearch(at.changes(), 0, at.count(), change);
        return i >= 0 ? i + 1 : -i - 1;
    }
}
