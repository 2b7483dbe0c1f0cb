package dev.corvid.client;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Called around the storing of each new or changed entity by {@code saveChanges()}. Register with
 * {@link DocumentStore#registerListener(DocumentStoreListener)}. Both methods are no-ops by
 * default, so a listener overrides only what it needs.
 */
public interface DocumentStoreListener {

    /**
     * Called before a new or changed entity is sent, after it was converted to a document.
     *
     * @param id       the document id
     * @param entity   the entity about to be stored
     * @param metadata the session's metadata for it ({@code @collection}, {@code @java-type},
     *                 {@code @id}, and {@code @etag} when the document was loaded); changes made
     *                 here are stored
     * @param original the document as it was loaded or last saved, {@code null} for a new one
     * @return {@code true} when the listener changed the entity, so it must be converted again
     */
    default boolean beforeStore(String id, Object entity, ObjectNode metadata, ObjectNode original) {
        return false;
    }

    /**
     * Called after {@code saveChanges()} succeeded, once for each entity it stored.
     *
     * @param metadata the session's metadata, whose {@code @etag} is already the new etag
     */
    default void afterStore(String id, Object entity, ObjectNode metadata) {
    }
}
