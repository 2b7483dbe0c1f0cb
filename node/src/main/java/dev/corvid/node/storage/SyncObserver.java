package dev.corvid.node.storage;

/**
 * Hears each sync of the write-ahead log, on the log's sync thread: keep it short. For metrics.
 */
@FunctionalInterface
public interface SyncObserver {

    SyncObserver NONE = (nanos, groups, writes) -> { };

    /**
     * @param nanos  how long the force to disk took
     * @param groups the write groups it made durable at once (group commit)
     * @param writes the writes (batches, replicated batches, id reservations) in those groups
     */
    void synced(long nanos, int groups, int writes);
}
