package dev.corvid.client;

/**
 * A session tried to make more requests than {@link Conventions#getMaxNumberOfRequestsPerSession()}
 * allows: usually a load inside a loop that should have been one multi-id load or a query.
 */
public class MaxRequestsExceededException extends CorvidException {

    private static final long serialVersionUID = 1L;

    /** The budget was exhausted; {@code message} says how to raise it. */
    public MaxRequestsExceededException(String message) {
        super(message);
    }
}
