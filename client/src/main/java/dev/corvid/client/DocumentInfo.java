package dev.corvid.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corvid.client.routing.NodeCall;

/**
 * What a session knows about one tracked entity. Mutable, owned by one session (sessions are not
 * thread-safe).
 */
final class DocumentInfo {

    final Object entity;
    final String id;
    /** The metadata the application sees (with {@code @etag} and {@code @id}); edits to it are saved. */
    final ObjectNode metadata;
    /** True when the session generated the id: the first put then expects {@link Etag#EMPTY}. */
    final boolean generatedId;

    /** The current known etag: as loaded or last saved, or as given to {@code store(entity, etag)}; null if unknown. */
    Etag etag;
    /**
     * The replica that issued {@link #etag} ({@code host:port}); null when the master did, or when
     * the origin is unknown (an etag given to {@code store(entity, etag)}).
     */
    String etagIssuedBy;
    /** The master's etag of the version {@link #etagIssuedBy} held ({@code @source-etag}); null when unknown. */
    Etag masterEtag;
    /** Set by {@code store(entity, etag)} with a non-null etag: check this document whatever the session setting. */
    boolean forceConcurrencyCheck;
    /** The body as last loaded or saved (see {@link EntityConverter#snapshot}); null while never saved. */
    ObjectNode original;
    /** The stored metadata as last loaded or saved; null while never saved. */
    ObjectNode originalMetadata;

    DocumentInfo(Object entity, String id, ObjectNode metadata, boolean generatedId) {
        this.entity = entity;
        this.id = id;
        this.metadata = metadata;
        this.generatedId = generatedId;
    }

    /** True while the document was stored in this session but never saved or loaded. */
    boolean isNew() {
        return original == null;
    }

    /** Records a version known to be on the node (loaded, refreshed or just saved). */
    void markPersisted(Etag newEtag, ObjectNode body, ObjectNode storedMetadata) {
        etag = newEtag;
        etagIssuedBy = null;
        masterEtag = null;
        original = body;
        originalMetadata = storedMetadata;
        Metadata.annotate(metadata, id, newEtag);
    }

    /**
     * The etag to send with a put of this document.
     *
     * @param useOptimisticConcurrency the session's setting
     * @return null for "no check"
     */
    Etag expectedEtagForPut(boolean useOptimisticConcurrency) {
        if (isNew() && generatedId) {
            return Etag.EMPTY; // a generated id must never overwrite
        }
        if (forceConcurrencyCheck) {
            return etag;
        }
        if (useOptimisticConcurrency) {
            return etag == null ? Etag.EMPTY : etag;
        }
        return null;
    }

    /**
     * Where an etag read from a node came from: {@code servedBy} a replica makes it a replica etag.
     * Call right after {@link #markPersisted} for a loaded or refreshed version.
     */
    void recordOrigin(NodeCall.Target servedBy, ObjectNode metadata) {
        if (servedBy != null && !servedBy.master()) {
            etagIssuedBy = servedBy.address();
            masterEtag = Metadata.sourceEtag(metadata);
        }
    }

    /** The etag to send with a delete of this document; null for "no check". */
    Etag expectedEtagForDelete(boolean useOptimisticConcurrency) {
        return useOptimisticConcurrency || forceConcurrencyCheck ? etag : null;
    }
}
