package dev.corvid.node.config;

import dev.corvid.node.storage.StorageOptions;
import java.nio.file.Path;

/**
 * How every node of the cluster tunes its storage: the {@code "storage"} section of the cluster
 * config, each field optional. The defaults and bounds are {@link StorageOptions}'s.
 *
 * @param logSegmentBytes          write-ahead log segment size, in bytes (default 16 MiB, at least 64 KiB)
 * @param checkpointEntries        log entries between two index commits (default 100,000)
 * @param checkpointIntervalMillis longest time between two index commits while writes go on, in
 *                                 milliseconds (default 10,000)
 * @param cacheBytes               heap for the cache of committed document records, in bytes (default 64 MiB)
 */
public record StorageSettings(long logSegmentBytes, int checkpointEntries, long checkpointIntervalMillis,
                              long cacheBytes) {

    public static final StorageSettings DEFAULT = new StorageSettings(StorageOptions.DEFAULT_LOG_SEGMENT_BYTES,
            StorageOptions.DEFAULT_CHECKPOINT_ENTRIES, StorageOptions.DEFAULT_CHECKPOINT_INTERVAL_MILLIS,
            StorageOptions.DEFAULT_CACHE_BYTES);

    public StorageSettings {
        try {
            options(Path.of("."), Limits.DEFAULT.maxDocumentBytes(), logSegmentBytes, checkpointEntries,
                    checkpointIntervalMillis, cacheBytes);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("storage." + e.getMessage());
        }
    }

    /** The options a node opens its storage with. */
    public StorageOptions options(Path dataDirectory, int maxDocumentBytes) {
        return options(dataDirectory, maxDocumentBytes, logSegmentBytes, checkpointEntries, checkpointIntervalMillis,
                cacheBytes);
    }

    private static StorageOptions options(Path dataDirectory, int maxDocumentBytes, long logSegmentBytes,
                                          int checkpointEntries, long checkpointIntervalMillis, long cacheBytes) {
        return new StorageOptions(dataDirectory, maxDocumentBytes, logSegmentBytes, cacheBytes, checkpointEntries,
                checkpointIntervalMillis);
    }
}
