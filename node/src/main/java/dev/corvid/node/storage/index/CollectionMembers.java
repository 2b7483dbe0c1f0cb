package dev.corvid.node.storage.index;

import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Predicate;

/**
 * The live documents of each collection, in id order, and in the same way the members of the two
 * other groups ({@link DocumentRecord.Header#group}: the tombstones, the live documents without a
 * collection), so every id is listed somewhere. The {@link IndexStore} holds them as of
 * the last checkpoint; this class holds, in memory, every joining and leaving since, per id, so a
 * reader can tell the members as of the change counter of its {@link ChangeFeed.View}.
 *
 * <p>An id's moves in one collection alternate: it joins (created, undeleted, moved in), it
 * leaves (deleted, moved out). Each is kept as its change counter, positive for a join, negative
 * for a leave. At a counter {@code c} the id is a member if its last move at or before {@code c}
 * is a join; with no move that early, it is a member if its first move is a leave (so it was a
 * member before: the store says so). An id without moves is a member if the store has it.
 *
 * <p>The writer adds moves under the index's write lock, each id's moves an array it replaces;
 * readers read without the lock. {@link #checkpointed} runs under the drop lock and the write lock.
 */
final class CollectionMembers {

    private static final long[] NONE = new long[0];

    private final IndexStore store;
    /** collection -> id -> its moves since the last checkpoint, in counter order. */
    private final Map<String, NavigableMap<String, long[]>> moves = new ConcurrentHashMap<>();

    CollectionMembers(IndexStore store) {
        this.store = store;
    }

    /** {@code id} joins {@code collection} at {@code change}. Writer, under the write lock. */
    void join(String collection, String id, long change) {
        add(collection, id, change);
    }

    /** {@code id} leaves {@code collection} at {@code change}. Writer, under the write lock. */
    void leave(String collection, String id, long change) {
        add(collection, id, -change);
    }

    private void add(String collection, String id, long move) {
        NavigableMap<String, long[]> of = moves.computeIfAbsent(collection, c -> new ConcurrentSkipListMap<>());
        long[] before = of.getOrDefault(id, NONE);
        long[] after = Arrays.copyOf(before, before.length + 1);
        after[before.length] = move;
        of.put(id, after);
    }

    /** After a checkpoint that holds every change up to {@code floor}: forgets the moves it holds. */
    void checkpointed(long floor) {
        for (NavigableMap<String, long[]> of : moves.values()) {
            for (Iterator<Map.Entry<String, long[]>> it = of.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, long[]> e = it.next();
                long[] all = e.getValue();
                int from = 0;
                while (from < all.length && Math.abs(all[from]) <= floor) {
                    from++;
                }
                if (from == all.length) {
                    it.remove();
                } else if (from > 0) {
                    of.put(e.getKey(), Arrays.copyOfRange(all, from, all.length));
                }
            }
        }
    }

    /**
     * Calls {@code visitor} with the members of {@code collection} after {@code afterId} (null:
     * from the first) as of the change counter {@code at}, in id order, until it returns false.
     * Under the drop lock (read side), or with {@code at} pinned ({@link Pins}); not under the
     * index lock.
     */
    void forEachAfter(String collection, String afterId, long at, Predicate<String> visitor) {
        forEachFrom(collection, afterId, false, at, visitor);
    }

    /** {@link #forEachAfter}, from {@code fromId} on, itself included if {@code inclusive}. */
    void forEachFrom(String collection, String fromId, boolean inclusive, long at, Predicate<String> visitor) {
        NavigableMap<String, long[]> of = moves.getOrDefault(collection, Collections.emptyNavigableMap());
        Iterator<Map.Entry<String, long[]>> changed = (fromId == null ? of : of.tailMap(fromId, inclusive))
                .entrySet().iterator();
        Iterator<String> stored = store.members(collection, fromId, inclusive);
        Map.Entry<String, long[]> move = changed.hasNext() ? changed.next() : null;
        String member = stored.hasNext() ? stored.next() : null;
        while (move != null || member != null) {
            String id;
            boolean present;
            int order = move == null ? -1 : member == null ? 1 : member.compareTo(move.getKey());
            if (order < 0) {
                id = member;
                present = true;
                member = stored.hasNext() ? stored.next() : null;
            } else {
                // Its moves decide, whatever the store holds (a checkpoint may be writing them).
                id = move.getKey();
                present = isMember(move.getValue(), at);
                if (order == 0) {
                    member = stored.hasNext() ? stored.next() : null;
                }
                move = changed.hasNext() ? changed.next() : null;
            }
            if (present && !visitor.test(id)) {
                return;
            }
        }
    }

    /** Calls {@code visitor} with each move after the change counter {@code after}: (collection, id, +1 joined or -1 left). */
    void forEachMoveAfter(long after, MoveVisitor visitor) {
        moves.forEach((collection, of) -> of.forEach((id, all) -> {
            for (long move : all) {
                if (Math.abs(move) > after) {
                    visitor.moved(collection, id, move > 0 ? 1 : -1);
                }
            }
        }));
    }

    @FunctionalInterface
    interface MoveVisitor {
        void moved(String collection, String id, int delta);
    }

    private static boolean isMember(long[] moves, long at) {
        for (int i = moves.length - 1; i >= 0; i--) {
            if (Math.abs(moves[i]) <= at) {
                return moves[i] > 0;
            }
        }
        return moves[0] < 0;
    }
}
