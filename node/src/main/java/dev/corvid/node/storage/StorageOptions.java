package dev.corvid.node.storage;

import java.nio.file.Path;

/**
 * How to open storage.
 *
 * @param dataDirectory    where the index file and the write-ahead log live; created if missing
 * @param maxDocumentBytes the largest document accepted, metadata and body JSON together, in bytes
 *                         (default {@value #DEFAULT_MAX_DOCUMENT_BYTES}, 4 MiB)
 */
public record StorageOptions(Path dataDirectory, int maxDocumentBytes) {

    public static final int DEFAULT_MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

    public StorageOptions {
        if (dataDirectory == null) {
            throw new IllegalArgumentException("a data directory is required");
        }
        if (maxDocumentBytes < 1024) {
            throw new IllegalArgumentException("maxDocumentBytes must be at least 1024, was " + maxDocumentBytes);
        }
    }

    public static StorageOptions of(Path dataDirectory) {
        return new StorageOptions(dataDirectory, DEFAULT_MAX_DOCUMENT_BYTES);
    }
}
