package dev.corvid.node.storage.index;

import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * The index's two locks.
 *
 * <p>The <em>index lock</em>: the writer applies a whole group of log records under its write
 * side, so whatever a reader reads under the read side is one state between two groups. Nobody
 * reads the {@link IndexStore} under it: a store read may wait for a checkpoint's commit, and the
 * writer would wait with it.
 *
 * <p>The <em>drop lock</em>: after a checkpoint commits, what the index kept in memory for it is
 * dropped under its write side (and the index lock's). A reader that merges the store with what
 * is in memory holds its read side for the whole read, store reads included, so nothing it
 * relies on is dropped meanwhile (a long read pins its change counter instead: {@link Pins}). The
 * writer takes it only to split member ranges. Order: drop lock, then index lock.
 */
final class IndexLock {

    private final ReadWriteLock index = new ReentrantReadWriteLock();
    private final ReadWriteLock drop = new ReentrantReadWriteLock();

    /** What {@code reader} returns, read under the index lock's read side. */
    <T> T read(Supplier<T> reader) {
        index.readLock().lock();
        try {
            return reader.get();
        } finally {
            index.readLock().unlock();
        }
    }

    /** The index lock's write side, for the writer thread. */
    Lock writeLock() {
        return index.writeLock();
    }

    /** What {@code reader} returns, read under the drop lock's read side. */
    <T> T stable(Supplier<T> reader) {
        drop.readLock().lock();
        try {
            return reader.get();
        } finally {
            drop.readLock().unlock();
        }
    }

    /** Runs {@code dropping} under the drop lock's and the index lock's write sides. */
    void drop(Runnable dropping) {
        drop.writeLock().lock();
        try {
            index.writeLock().lock();
            try {
                dropping.run();
            } finally {
                index.writeLock().unlock();
            }
        } finally {
            drop.writeLock().unlock();
        }
    }
}
