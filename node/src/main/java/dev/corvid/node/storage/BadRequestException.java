package dev.corvid.node.storage;

/** Input that can never succeed as sent: bad id, bad etag text, malformed JSON, too large. Nothing was changed. */
public class BadRequestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BadRequestException(String message) {
        super(message);
    }

    public BadRequestException(String message, Throwable cause) {
        super(message, cause);
    }
}
