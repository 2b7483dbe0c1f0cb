package dev.corvid.node.storage;

/** Storage is closed, closing, or stopped after a failed disk write; the request was not applied. */
public class StorageUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StorageUnavailableException(String message) {
        super(message);
    }

    public StorageUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
