package dev.corvid.node.storage.index;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How many members each range of a collection's ids holds, so a page at an offset starts reading
 * the members near it instead of counting them all from the first: the ranges' first ids and
 * counts, a few thousand numbers for millions of members ({@value #RANGE} members a range, on
 * average between half and twice that).
 *
 * <p>Built once after the index opens, in the background ({@link #install}), from the members
 * as of one change counter and then the moves since; until then, and for a collection it does
 * not know, a page counts from the first member. The writer keeps the counts exact as documents
 * join and leave, under the index's write lock, and splits a range that grew past twice its size
 * ({@link #split}); readers read them under the read lock, so counts and view agree.
 */
final class MemberRanks {

    /** Members of a range, on average. */
    static final int RANGE = 1024;

    /** Where a page starts: from {@code fromId} on (null: the first member), past {@code skip} members. */
    record Start(String fromId, long skip) {
    }

    /** A range: its first id (null: the collection's first) and how many members it holds. */
    record Range(String fromId, long members) {
    }

    /** One collection's ranges: each one's first id (the first range's is null) and its members. */
    private static final class Table {
        String[] starts;
        long[] counts;

        Table(String[] starts, long[] counts) {
            this.starts = starts;
            this.counts = counts;
        }

        /** The range holding {@code id}: the last whose first id is at most {@code id}. */
        int rangeOf(String id) {
            int low = 1;
            int high = starts.length - 1;
            while (low <= high) {
                int mid = (low + high) >>> 1;
                if (starts[mid].compareTo(id) <= 0) {
                    low = mid + 1;
                } else {
                    high = mid - 1;
                }
            }
            return low - 1;
        }
    }

    /** Guarded by the index lock. */
    private final Map<String, Table> tables = new HashMap<>();
    /** Collections with a range past twice its size, for the writer to split. Writer only. */
    private final Set<String> oversized = new LinkedHashSet<>();
    /** Whether {@link #install} ran. Guarded by the index lock. */
    private boolean ready;

    /** Builds one collection's ranges from its members in id order, as {@link #install} takes them. */
    static final class Builder {
        private final List<String> starts = new ArrayList<>();
        private final List<Long> counts = new ArrayList<>();
        private long inRange;

        /** The next member. */
        void add(String id) {
            if (starts.isEmpty() || inRange == RANGE) {
                if (!starts.isEmpty()) {
                    counts.add(inRange);
                }
                starts.add(starts.isEmpty() ? null : id);
                inRange = 0;
            }
            inRange++;
        }

        private Table table() {
            if (starts.isEmpty()) {
                return new Table(new String[] {null}, new long[] {0});
            }
            long[] c = new long[starts.size()];
            for (int i = 0; i < counts.size(); i++) {
                c[i] = counts.get(i);
            }
            c[starts.size() - 1] = inRange;
            return new Table(starts.toArray(String[]::new), c);
        }
    }

    /**
     * Takes the ranges built from the members as of some change counter; the caller then replays
     * the moves since through {@link #moved}. Under the write lock.
     */
    void install(Map<String, Builder> built) {
        built.forEach((collection, builder) -> tables.put(collection, builder.table()));
        ready = true;
    }

    /** Whether the ranges are built. Under the lock. */
    boolean ready() {
        return ready;
    }

    /** {@code id} joined ({@code delta} 1) or left (-1) {@code collection}. Writer, under the write lock. */
    void moved(String collection, String id, int delta) {
        if (!ready) {
            return;
        }
        Table table = tables.computeIfAbsent(collection, c -> new Table(new String[] {null}, new long[] {0}));
        int range = table.rangeOf(id);
        table.counts[range] += delta;
        if (table.counts[range] > 2L * RANGE) {
            oversized.add(collection);
        } else if (delta < 0 && table.starts.length > 1) {
            mergeSmall(table, range);
        }
    }

    /** Joins a range that fell under a quarter of its size with a neighbour, while the two stay under a range. */
    private static void mergeSmall(Table table, int range) {
        if (table.counts[range] >= RANGE / 4) {
            return;
        }
        int left = range == table.starts.length - 1 ? range - 1 : range;
        if (table.counts[left] + table.counts[left + 1] > RANGE) {
            return;
        }
        long merged = table.counts[left] + table.counts[left + 1];
        table.starts = remove(table.starts, left + 1);
        long[] counts = new long[table.counts.length - 1];
        System.arraycopy(table.counts, 0, counts, 0, left);
        counts[left] = merged;
        System.arraycopy(table.counts, left + 2, counts, left + 1, table.counts.length - left - 2);
        table.counts = counts;
    }

    private static String[] remove(String[] from, int at) {
        String[] out = new String[from.length - 1];
        System.arraycopy(from, 0, out, 0, at);
        System.arraycopy(from, at + 1, out, at, from.length - at - 1);
        return out;
    }

    /**
     * Where the page past {@code skip} members of {@code collection} starts reading. Under the
     * read lock, with the view the page reads at.
     */
    Start start(String collection, long skip) {
        Table table = ready ? tables.get(collection) : null;
        if (table == null) {
            return new Start(null, skip);
        }
        long passed = 0;
        for (int i = 0; i < table.counts.length; i++) {
            if (passed + table.counts[i] > skip) {
                return new Start(table.starts[i], skip - passed);
            }
            passed += table.counts[i];
        }
        return new Start(table.starts[table.starts.length - 1], skip - passed + table.counts[table.counts.length - 1]);
    }

    /** A range of {@code collection} past twice its size, as (first id, members), or null. Writer, under the lock. */
    Range oversizedRange(String collection) {
        Table table = tables.get(collection);
        if (table != null) {
            for (int i = 0; i < table.counts.length; i++) {
                if (table.counts[i] > 2L * RANGE) {
                    return new Range(table.starts[i], table.counts[i]);
                }
            }
        }
        oversized.remove(collection);
        return null;
    }

    /** Collections that may have a range to split. Writer. */
    Set<String> oversized() {
        return oversized;
    }

    /**
     * Splits the range of {@code collection} that starts at {@code from} (null: the first) at
     * {@code at}, its member number {@value #RANGE}: that many stay in the range. Writer, under
     * the write lock, with no write since {@code at} was found.
     */
    void split(String collection, String from, String at) {
        Table table = tables.get(collection);
        int range = from == null ? 0 : table.rangeOf(from);
        String[] starts = Arrays.copyOf(table.starts, table.starts.length + 1);
        System.arraycopy(table.starts, range + 1, starts, range + 2, table.starts.length - range - 1);
        starts[range + 1] = at;
        long[] counts = new long[table.counts.length + 1];
        System.arraycopy(table.counts, 0, counts, 0, range);
        counts[range] = RANGE;
        counts[range + 1] = table.counts[range] - RANGE;
        System.arraycopy(table.counts, range + 1, counts, range + 2, table.counts.length - range - 1);
        table.starts = starts;
        table.counts = counts;
    }
}
