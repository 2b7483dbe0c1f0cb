package dev.corvid.client;

/**
 * Bad input: a bad document id, bad etag text, malformed JSON or a document that is too large.
 * Thrown by the client before anything is sent when it can tell, otherwise carrying the node's
 * message ({@code INVALID_ARGUMENT}). Never changes stored data.
 */
public class BadRequestException extends CorvidException {

    private static final long serialVersionUID = 1L;

    /** Bad input, described by {@code message}. */
    public BadRequestException(String message) {
        super(message);
    }

    /** Bad input reported by a node, with the transport exception as the cause. */
    public BadRequestException(String message, Throwable cause) {
        super(message, cause);
    }
}
