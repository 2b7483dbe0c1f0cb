package dev.corvid.client;

/**
 * A session was asked to store an entity under an id that another instance already holds in the
 * same session. A session keeps one instance per document id (its identity map).
 */
public class NonUniqueObjectException extends CorvidException {

    private static final long serialVersionUID = 1L;

    /** Names the id that is already taken in the session. */
    public NonUniqueObjectException(String message) {
        super(message);
    }
}
