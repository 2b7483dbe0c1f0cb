package dev.corvid.node.storage.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ChangeOrderTest {

    /** The writer's pattern: every change moves one id to the end; checked against a sorted map. */
    @Test
    void randomUpdatesAndDeletes_matchASortedMap() {
        SplittableRandom random = new SplittableRandom(11);
        ChangeOrder order = new ChangeOrder();
        TreeMap<Long, String> model = new TreeMap<>();
        Map<String, Long> current = new HashMap<>();
        long change = 0;
        for (int step = 0; step < 200_000; step++) {
            // Few ids get most changes, so holes pile up and squeezes run often.
            String id = "people/" + (random.nextInt(10) < 8 ? random.nextInt(50) : random.nextInt(5_000));
            Long previous = current.remove(id);
            if (previous != null) {
                assertTrue(order.remove(previous));
                model.remove(previous);
            }
            if (random.nextInt(20) > 0) { // else the id is gone from the order, as after a purge
                change += 1 + random.nextInt(3);
                order.append(change, id);
                model.put(change, id);
                current.put(id, change);
            }
            if (step % 997 == 0) {
                assertSame(model, order, random.nextLong(change + 2) - 1);
            }
        }
        assertSame(model, order, -1);
        assertEquals(model.lastEntry().getKey(), order.last().change());
        assertEquals(model.lastEntry().getValue(), order.last().id());
    }

    private static void assertSame(TreeMap<Long, String> model, ChangeOrder order, long after) {
        assertEquals(model.size(), order.count());
        List<Long> changes = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        order.forEach((change, id) -> {
            changes.add(change);
            ids.add(id);
        });
        assertEquals(new ArrayList<>(model.keySet()), changes);
        assertEquals(new ArrayList<>(model.values()), ids);
        List<String> tail = new ArrayList<>();
        order.idsAfter(after, 25, tail);
        assertEquals(model.tailMap(after, false).values().stream().limit(25).toList(), tail);
        assertEquals(model.tailMap(after, false).size(), order.countAfter(after));
    }

    @Test
    void of_sortsEntriesGivenInAnyOrder() {
        List<ChangeOrder.Entry> entries = new ArrayList<>();
        for (int i = 1; i <= 5_000; i++) {
            entries.add(new ChangeOrder.Entry(i * 2L, "d/" + i));
        }
        Collections.shuffle(entries, new java.util.Random(3));
        ChangeOrder order = ChangeOrder.of(entries);
        List<String> ids = new ArrayList<>();
        order.idsAfter(9_990, 100, ids);
        assertEquals(List.of("d/4996", "d/4997", "d/4998", "d/4999", "d/5000"), ids);
        assertEquals(5_000, order.count());
        order.append(10_001, "d/1");
        assertTrue(order.remove(2));
        assertEquals(new ChangeOrder.Entry(10_001, "d/1"), order.last());
    }

    @Test
    void appendOutOfOrder_andRemovingWhatIsNotThere_areRefused() {
        ChangeOrder order = new ChangeOrder();
        assertNull(order.last());
        order.append(5, "a");
        assertThrows(IllegalArgumentException.class, () -> order.append(5, "b"));
        assertThrows(IllegalArgumentException.class, () -> order.append(4, "b"));
        assertFalse(order.remove(4));
        assertTrue(order.remove(5));
        assertFalse(order.remove(5));
        assertEquals(0, order.count());
        assertNull(order.last());
        order.append(6, "a"); // a hole's counter still counts as "before"
        assertEquals(1, order.countAfter(5));
    }
}
