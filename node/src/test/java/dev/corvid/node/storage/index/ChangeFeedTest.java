package dev.corvid.node.storage.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentSkipListMap;
import org.junit.jupiter.api.Test;

/**
 * The change feed read as of a view must be the feed at that view's change counter, whatever the
 * store holds meanwhile: as of the checkpoint, or ahead of it (a checkpoint being written), and
 * whatever the writer did since the view. Checked against a model in random runs.
 */
class ChangeFeedTest {

    /** The writes: change counter -> id, in order. */
    private final TreeMap<Long, String> history = new TreeMap<>();
    private final FakeStore store = new FakeStore();

    @Test
    void readsAsOfTheirView_whileTheWriterAppends_andTheStoreIsAheadOrBehind() {
        for (long seed = 1; seed <= 40; seed++) {
            history.clear();
            store.changes.clear();
            run(new Random(seed));
        }
    }

    private void run(Random random) {
        ChangeFeed feed = new ChangeFeed(store, 0);
        Map<String, Long> current = new HashMap<>();
        long change = 0;
        long floor = 0;
        for (int step = 0; step < 600; step++) {
            int action = random.nextInt(10);
            if (action < 6) {
                // The writer: a group of one to three writes, then published.
                int writes = 1 + random.nextInt(3);
                for (int w = 0; w < writes; w++) {
                    String id = "d" + random.nextInt(random.nextBoolean() ? 8 : 40);
                    change++;
                    Long previous = current.put(id, change);
                    if (previous != null) {
                        feed.supersede(previous, id, change);
                    }
                    feed.append(change, id);
                    history.put(change, id);
                }
                feed.publish(change, 7);
            } else if (action < 8) {
                // A checkpoint writing: the store moves ahead of the floor, up to what was published.
                long published = feed.view().change();
                store.holdUpTo(floor + (published == floor ? 0 : 1 + random.nextInt((int) (published - floor))));
            } else {
                // A checkpoint committed: the store at some point up to what was published, dropped;
                // sometimes with a long reader's view pinned across it, which must read as before.
                long published = feed.view().change();
                long through = Math.max(floor, published - random.nextInt(3));
                through = Math.max(through, floor);
                ChangeFeed.View pinned = feed.view();
                boolean pin = random.nextBoolean();
                store.holdUpTo(through);
                feed.checkpointed(through, pin ? Math.min(through, pinned.change()) : through);
                floor = through;
                if (pin) {
                    long after = pinned.change() == 0 ? 0 : random.nextInt((int) pinned.change() + 1);
                    assertEquals(expected(pinned.change(), after), read(feed, pinned, after), "pinned view");
                }
            }
            // A reader at the view now; the writer and the store may move on while it reads.
            ChangeFeed.View view = feed.view();
            long after = view.change() == 0 ? 0 : random.nextInt((int) view.change() + 1);
            if (random.nextBoolean()) {
                change++;
                String id = "d" + random.nextInt(8);
                Long previous = current.put(id, change);
                if (previous != null) {
                    feed.supersede(previous, id, change);
                }
                feed.append(change, id);
                history.put(change, id);
                if (random.nextBoolean()) {
                    store.holdUpTo(change); // written ahead, before its publication even
                }
            }
            assertEquals(expected(view.change(), after), read(feed, view, after), "after " + after + " at " + view.change());
            // A writer past its view's change is ignored, published or not.
            if (random.nextInt(4) == 0) {
                feed.publish(change, 7);
            }
        }
    }

    @Test
    void appendingOutOfOrder_isRefused() {
        ChangeFeed feed = new ChangeFeed(store, 10);
        assertThrows(IllegalArgumentException.class, () -> feed.append(10, "a"));
        feed.append(11, "a");
        assertThrows(IllegalArgumentException.class, () -> feed.append(11, "b"));
    }

    @Test
    void aReaderStopsWhenTheVisitorSaysSo() {
        ChangeFeed feed = new ChangeFeed(store, 0);
        for (long c = 1; c <= 2_000; c++) {
            feed.append(c, "d" + c);
        }
        feed.publish(2_000, 7);
        List<Long> seen = new ArrayList<>();
        feed.forEachAfter(feed.view(), 100, (c, id) -> {
            seen.add(c);
            return seen.size() < 5;
        });
        assertEquals(List.of(101L, 102L, 103L, 104L, 105L), seen);
    }

    /** The feed at {@code at}: each id once, at its last change up to {@code at}, entries after {@code after}. */
    private List<String> expected(long at, long after) {
        Map<String, Long> last = new HashMap<>();
        history.headMap(at, true).forEach((c, id) -> last.put(id, c));
        TreeMap<Long, String> order = new TreeMap<>();
        last.forEach((id, c) -> order.put(c, id));
        List<String> out = new ArrayList<>();
        order.tailMap(after, false).forEach((c, id) -> out.add(c + ":" + id));
        return out;
    }

    private static List<String> read(ChangeFeed feed, ChangeFeed.View view, long after) {
        List<String> out = new ArrayList<>();
        feed.forEachAfter(view, after, (c, id) -> out.add(c + ":" + id));
        return out;
    }

    /** A store whose change order is the feed as of some change counter. */
    private final class FakeStore extends EmptyIndexStore {
        final ConcurrentSkipListMap<Long, String> changes = new ConcurrentSkipListMap<>();

        void holdUpTo(long through) {
            Map<String, Long> last = new HashMap<>();
            history.headMap(through, true).forEach((c, id) -> last.put(id, c));
            changes.clear();
            last.forEach((id, c) -> changes.put(c, id));
        }

        @Override
        public Iterator<Map.Entry<Long, String>> changesAfter(long change) {
            return changes.tailMap(change, false).entrySet().iterator();
        }
    }
}
