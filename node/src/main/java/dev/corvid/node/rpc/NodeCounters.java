package dev.corvid.node.rpc;

import java.util.concurrent.atomic.LongAdder;

/** What the node served, for its stats: so routing is observable from outside. */
final class NodeCounters {
    private final long startedNanos = System.nanoTime();
    private final LongAdder reads = new LongAdder();
    private final LongAdder writes = new LongAdder();
    private final LongAdder failoverWrites = new LongAdder();

    void read() {
        reads.increment();
    }

    void write() {
        writes.increment();
    }

    /** A write this replica accepted as a failover write. */
    void failoverWrite() {
        failoverWrites.increment();
    }

    long failoverWrites() {
        return failoverWrites.sum();
    }

    long reads() {
        return reads.sum();
    }

    long writes() {
        return writes.sum();
    }

    long uptimeMillis() {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
