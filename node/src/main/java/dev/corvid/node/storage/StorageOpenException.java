package dev.corvid.node.storage;

import java.nio.file.Path;

/**
 * Storage refuses to open: a file is damaged, missing or unreadable in a way that opening anyway
 * could lose or hide acknowledged writes. The message names the file, where in it the problem is,
 * what was found and what an operator can do; nothing was changed on disk.
 */
public final class StorageOpenException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public StorageOpenException(Path file, String message, Throwable cause) {
        super(message, cause);
        this.file = file;
    }

    public StorageOpenException(Path file, String message) {
        this(file, message, null);
    }

    /** The file (or directory) at fault. */
    public Path file() {
        return file;
    }
}
