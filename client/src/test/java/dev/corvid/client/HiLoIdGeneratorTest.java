package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The range policy, with an in-memory range source standing in for the master's ReserveIds. */
class HiLoIdGeneratorTest {

    private final List<Long> requestedCounts = new ArrayList<>();
    private final AtomicLong nextFree = new AtomicLong(1);
    private final AtomicLong clock = new AtomicLong();

    private IdRange reserve(String collection, long count) {
        requestedCounts.add(count);
        long first = nextFree.getAndAdd(count);
        return new IdRange(first, first + count - 1);
    }

    @Test
    void next_handsOutConsecutiveNumbers_andReservesOnlyWhenUsedUp() {
        HiLoIdGenerator generator = new HiLoIdGenerator("People", this::reserve, clock::get);
        for (long n = 1; n <= 32; n++) {
            assertEquals(n, generator.next());
        }
        assertEquals(List.of(32L), requestedCounts);
        assertEquals(33, generator.next());
        assertEquals(2, requestedCounts.size());
    }

    @Test
    void rangeUsedUpQuickly_doublesTheNextReservation() {
        HiLoIdGenerator generator = new HiLoIdGenerator("People", this::reserve, clock::get);
        for (int i = 0; i < 32 + 64 + 1; i++) {
            generator.next();
        }
        assertEquals(List.of(32L, 64L, 128L), requestedCounts);
    }

    @Test
    void rangeUsedUpSlowly_keepsTheSize() {
        HiLoIdGenerator generator = new HiLoIdGenerator("People", this::reserve, clock::get);
        for (int i = 0; i < 33; i++) {
            generator.next();
            clock.addAndGet(HiLoIdGenerator.QUICK_NANOS); // 32 numbers take far longer than QUICK
        }
        assertEquals(List.of(32L, 32L), requestedCounts);
    }

    @Test
    void documentIdGenerator_lowerCasesTheCollection() {
        DocumentIdGenerator ids = new DocumentIdGenerator(this::reserve);
        assertEquals("people/1", ids.generate("People"));
        assertEquals("people/2", ids.generate("People"));
    }
}
