package dev.corvid.node.storage;

/**
 * When the log rolls over to a new segment ({@code maxLogBytes}) and when the index's checkpoint
 * is committed: after {@code maxEntries} entries, {@code maxAgeMillis} of writes,
 * {@code idleMillis} without any, or when the distinct document records waiting for it reach
 * {@code maxDirtyBytes}.
 */
public record CheckpointPolicy(int maxEntries, long maxLogBytes, long maxAgeMillis, long idleMillis,
                               long maxDirtyBytes) {
    /**
     * Commits after the options' entries or interval, 200 ms idle or
     * {@link StorageOptions#DEFAULT_BUFFER_BYTES} of distinct records; segments of the options'
     * size. A document saved many times within the window reaches the checkpoint once; a restart
     * replays at most that window of log.
     */
    static CheckpointPolicy of(StorageOptions options) {
        return new CheckpointPolicy(options.checkpointEntries(), options.logSegmentBytes(),
                options.checkpointIntervalMillis(), 200, StorageOptions.DEFAULT_BUFFER_BYTES);
    }
}
