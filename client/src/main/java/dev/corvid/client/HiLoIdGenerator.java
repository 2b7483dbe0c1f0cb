package dev.corvid.client;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * HiLo numbers for one collection: hands out the numbers of a range reserved on the master and
 * reserves the next range when it is used up. Ranges are never handed out twice by the master,
 * so two stores (or two processes) never generate the same number. Thread-safe.
 *
 * <p>The first range holds {@value #INITIAL_CAPACITY} numbers. A range used up within
 * {@link #QUICK_NANOS} of its reservation doubles the next one, up to {@value #MAX_CAPACITY},
 * so a busy writer asks the master rarely.
 */
final class HiLoIdGenerator {

    static final long INITIAL_CAPACITY = 32;
    static final long MAX_CAPACITY = 1_000_000;
    static final long QUICK_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final String collection;
    private final IdRangeSource source;
    private final LongSupplier nanoClock;

    // All guarded by this.
    private long next = 1;
    private long last;
    private long capacity = INITIAL_CAPACITY;
    private boolean reservedBefore;
    private long reservedAtNanos;

    HiLoIdGenerator(String collection, IdRangeSource source, LongSupplier nanoClock) {
        this.collection = collection;
        this.source = source;
        this.nanoClock = nanoClock;
    }

    /** The next number; reserves a new range on the master when the current one is used up. */
    synchronized long next() {
        if (next > last) {
            reserve();
        }
        return next++;
    }

    private void reserve() {
        long now = nanoClock.getAsLong();
        if (reservedBefore && now - reservedAtNanos < QUICK_NANOS) {
            capacity = Math.min(capacity * 2, MAX_CAPACITY);
        }
        IdRange range = source.reserve(collection, capacity);
        assert range.first() > last : "range " + range + " overlaps numbers already handed out (<= " + last + ")";
        next = range.first();
        last = range.last();
        reservedBefore = true;
        reservedAtNanos = now;
    }
}
