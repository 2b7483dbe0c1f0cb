package dev.corvid.node.storage.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import org.junit.jupiter.api.Test;

/**
 * A collection's members read as of a change counter must be its members at that counter,
 * whatever the store holds meanwhile (the checkpoint's members, or some written ahead of it) and
 * whatever the writer did since. Checked against a model in random runs.
 */
class CollectionMembersTest {

    private static final List<String> COLLECTIONS = List.of("A", "AB", "B");

    /** Each write: change counter -> (id, its collection after it, null when deleted). */
    private final TreeMap<Long, String[]> history = new TreeMap<>();
    private final FakeStore store = new FakeStore();

    @Test
    void readsAsOfTheirCounter_whileTheWriterMoves_andTheStoreIsAheadOrBehind() {
        for (long seed = 1; seed <= 40; seed++) {
            history.clear();
            store.members.clear();
            run(new Random(seed));
        }
    }

    private void run(Random random) {
        CollectionMembers members = new CollectionMembers(store);
        Map<String, String> collectionOf = new HashMap<>();
        long change = 0;
        long published = 0;
        long floor = 0;
        for (int step = 0; step < 600; step++) {
            int action = random.nextInt(10);
            if (action < 6) {
                int writes = 1 + random.nextInt(3);
                for (int w = 0; w < writes; w++) {
                    change = write(members, collectionOf, random, change);
                }
                published = change;
            } else if (action < 8) {
                store.holdUpTo(floor + (published == floor ? 0 : 1 + random.nextInt((int) (published - floor))));
            } else {
                long through = Math.max(floor, published - random.nextInt(3));
                long pinned = Math.max(floor, published - random.nextInt(5)); // a view is never below its floor
                boolean pin = random.nextBoolean();
                store.holdUpTo(through);
                members.checkpointed(pin ? Math.min(through, pinned) : through);
                floor = through;
                if (pin) {
                    String collection = COLLECTIONS.get(random.nextInt(COLLECTIONS.size()));
                    long at = pinned;
                    assertEquals(expected(collection, at, null), read(members, collection, null, at), "pinned at " + at);
                }
            }
            long at = published;
            String collection = COLLECTIONS.get(random.nextInt(COLLECTIONS.size()));
            String after = random.nextBoolean() ? null : "d" + random.nextInt(30);
            if (random.nextBoolean()) {
                change = write(members, collectionOf, random, change);
                if (random.nextBoolean()) {
                    store.holdUpTo(change);
                }
            }
            assertEquals(expected(collection, at, after), read(members, collection, after, at),
                    collection + " after " + after + " at " + at);
        }
    }

    /** Creates, updates, moves or deletes one document; returns its change counter. */
    private long write(CollectionMembers members, Map<String, String> collectionOf, Random random, long change) {
        long next = change + 1;
        String id = "d" + random.nextInt(30);
        String before = collectionOf.get(id);
        String after = random.nextInt(4) == 0 ? null : COLLECTIONS.get(random.nextInt(COLLECTIONS.size()));
        if (before != null && !before.equals(after)) {
            members.leave(before, id, next);
        }
        if (after != null && !after.equals(before)) {
            members.join(after, id, next);
        }
        if (after == null) {
            collectionOf.remove(id);
        } else {
            collectionOf.put(id, after);
        }
        history.put(next, new String[] {id, after});
        return next;
    }

    private Map<String, String> stateAt(long at) {
        Map<String, String> of = new HashMap<>();
        history.headMap(at, true).values().forEach(w -> {
            if (w[1] == null) {
                of.remove(w[0]);
            } else {
                of.put(w[0], w[1]);
            }
        });
        return of;
    }

    private List<String> expected(String collection, long at, String after) {
        TreeSet<String> ids = new TreeSet<>();
        stateAt(at).forEach((id, c) -> {
            if (c.equals(collection) && (after == null || id.compareTo(after) > 0)) {
                ids.add(id);
            }
        });
        return new ArrayList<>(ids);
    }

    private static List<String> read(CollectionMembers members, String collection, String after, long at) {
        List<String> out = new ArrayList<>();
        members.forEachAfter(collection, after, at, out::add);
        return out;
    }

    /** A store whose members are the collections' as of some change counter. */
    private final class FakeStore extends EmptyIndexStore {
        final Map<String, ConcurrentSkipListSet<String>> members = new HashMap<>();

        void holdUpTo(long through) {
            members.clear();
            stateAt(through).forEach((id, c) -> members.computeIfAbsent(c, x -> new ConcurrentSkipListSet<>()).add(id));
        }

        @Override
        public Iterator<String> members(String collection, String afterId, boolean inclusive) {
            ConcurrentSkipListSet<String> of = members.getOrDefault(collection, new ConcurrentSkipListSet<>());
            return (afterId == null ? of : of.tailSet(afterId, inclusive)).iterator();
        }
    }
}
