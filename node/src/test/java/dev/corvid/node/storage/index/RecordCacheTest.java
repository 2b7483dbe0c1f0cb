package dev.corvid.node.storage.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.node.storage.Etag;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RecordCacheTest {

    private static byte[] record(long change, int bodyBytes) {
        byte[] body = "x".repeat(bodyBytes).getBytes(StandardCharsets.UTF_8);
        return DocumentRecord.live(Etag.fromLongs(1L << 32, change), "People", "{}".getBytes(StandardCharsets.UTF_8), body)
                .encode();
    }

    @Test
    void keepsTheRecordWithTheHigherChange_whicheverArrivesFirst() {
        RecordCache cache = new RecordCache(1 << 20);
        byte[] older = record(5, 10);
        byte[] newer = record(9, 10);
        cache.offer("people/1", newer);
        cache.offer("people/1", older);
        assertArrayEquals(newer, cache.get("people/1"));
        cache.offer("people/2", older);
        cache.offer("people/2", newer);
        assertArrayEquals(newer, cache.get("people/2"));
        assertEquals(2, cache.size());
    }

    @Test
    void staysWithinItsCapacity_droppingEntriesWhenFull() {
        long capacity = 64 * 1024;
        RecordCache cache = new RecordCache(capacity);
        for (int i = 0; i < 1_000; i++) {
            cache.offer("people/" + i, record(i + 1, 1_000));
            assertTrue(cache.bytes() <= capacity, "holds " + cache.bytes() + " bytes after " + (i + 1) + " offers");
        }
        assertTrue(cache.size() > 30 && cache.size() < 64, "entries held: " + cache.size());
        assertArrayEquals(record(1000, 1_000), cache.get("people/999"), "the entry just offered stays");
    }

    @Test
    void replacingARecord_accountsForTheOldOne() {
        RecordCache cache = new RecordCache(1 << 20);
        cache.offer("people/1", record(1, 5_000));
        long one = cache.bytes();
        cache.offer("people/1", record(2, 5_000));
        assertEquals(one, cache.bytes());
    }

    @Test
    void capacityZero_cachesNothing() {
        RecordCache cache = new RecordCache(0);
        cache.offer("people/1", record(1, 10));
        assertNull(cache.get("people/1"));
        assertEquals(0, cache.bytes());
        assertThrows(IllegalArgumentException.class, () -> new RecordCache(-1));
    }
}
