package dev.corvid.node.storage;

/**
 * The documents a read asked for add up to more than the caller allowed: the read stopped there,
 * having held at most that much and one document more.
 */
public final class AnswerTooLargeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final long limit;

    public AnswerTooLargeException(long atLeast, long limit) {
        super("the documents asked for add up to more than " + limit + " bytes (at least " + atLeast + ")");
        this.limit = limit;
    }

    /** The most bytes the caller allowed. */
    public long limit() {
        return limit;
    }
}
