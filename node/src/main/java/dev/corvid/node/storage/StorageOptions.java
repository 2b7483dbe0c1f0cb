package dev.corvid.node.storage;

import java.nio.file.Path;

/**
 * How to open storage.
 *
 * @param dataDirectory    where the index file and the write-ahead log live; created if missing
 * @param maxDocumentBytes the largest document accepted, metadata and body JSON together, in bytes
 *                         (default {@value #DEFAULT_MAX_DOCUMENT_BYTES}, 4 MiB)
 * @param logSegmentBytes  the size write-ahead log segments are preallocated to; a checkpoint is
 *                         taken when one fills (default {@value #DEFAULT_LOG_SEGMENT_BYTES}, 16 MiB)
 * @param cacheBytes       how much heap the cache of committed document records may use, so that
 *                         reads seldom go to MapDB (default {@link #DEFAULT_BUFFER_BYTES}: 64 MiB,
 *                         or an eighth of the heap's maximum when that is less; 0 turns it off)
 * @param checkpointEntries the index (MapDB) commits after this many log entries, a document
 *                         saved many times in between reaching it once (default
 *                         {@value #DEFAULT_CHECKPOINT_ENTRIES}); a restart replays at most about
 *                         that much log
 * @param checkpointIntervalMillis ... and at the latest this long after the previous commit while
 *                         writes go on, in milliseconds (default {@value #DEFAULT_CHECKPOINT_INTERVAL_MILLIS})
 */
public record StorageOptions(Path dataDirectory, int maxDocumentBytes, long logSegmentBytes, long cacheBytes,
                             int checkpointEntries, long checkpointIntervalMillis) {

    public static final int DEFAULT_MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;
    public static final long DEFAULT_LOG_SEGMENT_BYTES = 16L * 1024 * 1024;
    /**
     * The heap each of storage's three holders of document records may fill: the checkpoint's
     * window of records not yet in MapDB ({@link CheckpointPolicy#maxDirtyBytes}), the flusher's
     * queue behind a running commit, and by default the record cache. 64 MiB, or an eighth of the
     * heap's maximum ({@code -Xmx}) when that is less, so that the three and what MapDB keeps of an
     * uncommitted checkpoint stay under half of any heap: with {@code -Xmx256m}, 32 MiB each.
     */
    public static final long DEFAULT_BUFFER_BYTES = Math.min(64L * 1024 * 1024, Runtime.getRuntime().maxMemory() / 8);
    public static final long DEFAULT_CACHE_BYTES = DEFAULT_BUFFER_BYTES;
    public static final int DEFAULT_CHECKPOINT_ENTRIES = 100_000;
    public static final long DEFAULT_CHECKPOINT_INTERVAL_MILLIS = 10_000;

    public StorageOptions {
        if (dataDirectory == null) {
            throw new IllegalArgumentException("a data directory is required");
        }
        if (maxDocumentBytes < 1024) {
            throw new IllegalArgumentException("maxDocumentBytes must be at least 1024, was " + maxDocumentBytes);
        }
        if (logSegmentBytes < 64 * 1024) {
            throw new IllegalArgumentException("logSegmentBytes must be at least 64 KiB, was " + logSegmentBytes);
        }
        if (cacheBytes < 0) {
            throw new IllegalArgumentException("cacheBytes must not be negative, was " + cacheBytes);
        }
        if (checkpointEntries < 1) {
            throw new IllegalArgumentException("checkpointEntries must be at least 1, was " + checkpointEntries);
        }
        if (checkpointIntervalMillis < 10) {
            throw new IllegalArgumentException("checkpointIntervalMillis must be at least 10, was " + checkpointIntervalMillis);
        }
    }

    public StorageOptions(Path dataDirectory, int maxDocumentBytes, long logSegmentBytes, long cacheBytes) {
        this(dataDirectory, maxDocumentBytes, logSegmentBytes, cacheBytes, DEFAULT_CHECKPOINT_ENTRIES,
                DEFAULT_CHECKPOINT_INTERVAL_MILLIS);
    }

    public StorageOptions(Path dataDirectory, int maxDocumentBytes, long logSegmentBytes) {
        this(dataDirectory, maxDocumentBytes, logSegmentBytes, DEFAULT_CACHE_BYTES);
    }

    public StorageOptions(Path dataDirectory, int maxDocumentBytes) {
        this(dataDirectory, maxDocumentBytes, DEFAULT_LOG_SEGMENT_BYTES);
    }

    public static StorageOptions of(Path dataDirectory) {
        return new StorageOptions(dataDirectory, DEFAULT_MAX_DOCUMENT_BYTES);
    }
}
