package dev.corvid.node.storage;

/**
 * Hears what the storage does, for metrics: each call comes on the thread that did the work (the
 * writer, the log's sync thread, the MapDB flusher), so keep it short and never throw.
 */
public interface StorageObserver {

    StorageObserver NONE = new StorageObserver() {
    };

    /**
     * One force of the write-ahead log to disk.
     *
     * @param nanos  how long it took
     * @param groups the write groups it made durable at once (group commit)
     * @param writes the writes (batches, replicated batches, id reservations) in those groups
     */
    default void synced(long nanos, int groups, int writes) {
    }

    /** One write logged: a batch (client's, replicated, handed back) of {@code changes} changes. */
    default void written(int changes) {
    }

    /**
     * One MapDB commit (checkpoint), after which a restart replays the log only from there.
     *
     * @param nanos     how long writing and committing MapDB took
     * @param documents the distinct documents it wrote
     */
    default void checkpointed(long nanos, int documents) {
    }
}
