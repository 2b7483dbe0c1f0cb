package dev.corvid.client;

/**
 * An optimistic concurrency check failed: a write expected a document version that is not the
 * current one. Nothing of the batch that carried the write was applied; the session stays usable,
 * so the caller may refresh or reload the document and try again.
 */
public class ConcurrencyException extends CorvidException {

    private static final long serialVersionUID = 1L;

    private final String documentId;
    private final Etag expectedEtag;
    private final Etag actualEtag;

    /**
     * @param message      e.g. {@code PUT attempted on document 'people/1' using a non current etag}
     * @param documentId   the document whose check failed
     * @param expectedEtag the etag the write expected ({@link Etag#EMPTY}: "must not exist")
     * @param actualEtag   the document's current etag, {@code null} when it does not exist
     * @param cause        the transport exception, or {@code null}
     */
    public ConcurrencyException(String message, String documentId, Etag expectedEtag, Etag actualEtag,
            Throwable cause) {
        super(message, cause);
        this.documentId = documentId;
        this.expectedEtag = expectedEtag;
        this.actualEtag = actualEtag;
    }

    /** The id of the document whose check failed. */
    public String getDocumentId() {
        return documentId;
    }

    /** The etag the write expected; {@link Etag#EMPTY} when it expected the document not to exist. */
    public Etag getExpectedEtag() {
        return expectedEtag;
    }

    /** The document's current etag on the node; {@code null} when the document does not exist. */
    public Etag getActualEtag() {
        return actualEtag;
    }
}
