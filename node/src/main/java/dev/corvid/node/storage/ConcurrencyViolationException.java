package dev.corvid.node.storage;

/**
 * An operation carried an expected etag that did not hold; its whole batch was rejected.
 * Reports the failing document: id, the expected and the actual etag (null when missing).
 */
public class ConcurrencyViolationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Which kind of operation failed its check. */
    public enum Operation { PUT, DELETE }

    private final Operation operation;
    private final String id;
    private final transient Etag expected;
    private final transient Etag actual;

    public ConcurrencyViolationException(Operation operation, String id, Etag expected, Etag actual) {
        super(operation + " attempted on document '" + id + "' using a non current etag (expected "
                + expected + ", actual " + (actual == null ? "none: the document does not exist" : actual) + ")");
        this.operation = operation;
        this.id = id;
        this.expected = expected;
        this.actual = actual;
    }

    public Operation operation() {
        return operation;
    }

    public String id() {
        return id;
    }

    public Etag expected() {
        return expected;
    }

    /** The document's current etag, or null when it does not exist (or is deleted). */
    public Etag actual() {
        return actual;
    }
}
