package dev.corvid.node.storage.index;

import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * The index's read-write lock: the writer applies a whole group of log records under the write
 * lock, so whatever a reader reads under the read lock is one state between two groups.
 */
final class IndexLock {

    private final ReadWriteLock lock = new ReentrantReadWriteLock();

    /** What {@code reader} returns, read under the read lock. */
    <T> T read(Supplier<T> reader) {
        lock.readLock().lock();
        try {
            return reader.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    /** The write lock, for the writer thread. */
    Lock writeLock() {
        return lock.writeLock();
    }
}
