package dev.corvid.client;

/** The base of every exception the Corvid client throws on its own account. Unchecked. */
public class CorvidException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** An error with a message that says what went wrong. */
    public CorvidException(String message) {
        super(message);
    }

    /** An error with a message and the exception that caused it. */
    public CorvidException(String message, Throwable cause) {
        super(message, cause);
    }
}
