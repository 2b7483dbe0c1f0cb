package dev.corvid.client;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Called when an entity is converted to a document (by {@code saveChanges()}, for each new or
 * changed entity) and when a document is converted to an entity (by load, query and refresh).
 * Register with {@link DocumentStore#registerListener(DocumentConversionListener)}. Every method is
 * a no-op by default.
 */
public interface DocumentConversionListener {

    /** Before {@code entity} is converted to a document; {@code metadata} may still be changed. */
    default void beforeConversionToDocument(String id, Object entity, ObjectNode metadata) {
    }

    /** After {@code entity} became {@code document}; both nodes may be changed and are what is stored. */
    default void afterConversionToDocument(String id, Object entity, ObjectNode document, ObjectNode metadata) {
    }

    /** Before a loaded document becomes an entity; {@code metadata} holds {@code @etag} and {@code @id}. */
    default void beforeConversionToEntity(String id, ObjectNode document, ObjectNode metadata) {
    }

    /**
     * After a loaded document became {@code entity}; {@code metadata} holds the loaded
     * {@code @etag}, so a listener can copy it into an {@code @JsonIgnore} property of the entity.
     */
    default void afterConversionToEntity(String id, ObjectNode document, ObjectNode metadata, Object entity) {
    }
}
