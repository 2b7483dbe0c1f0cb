package dev.corvid.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * Turns entities into documents and back through the conventions' Jackson mapper, calling the
 * conversion listeners around each conversion. The entity's {@code id} property is not part of the
 * document body: the id is the document's key.
 */
final class EntityConverter {

    private final ObjectMapper mapper;
    private final Conventions conventions;
    private final Listeners listeners;

    EntityConverter(Conventions conventions, Listeners listeners) {
        this.mapper = conventions.getObjectMapper();
        this.conventions = conventions;
        this.listeners = listeners;
    }

    Conventions conventions() {
        return conventions;
    }

    ObjectMapper mapper() {
        return mapper;
    }

    Listeners listeners() {
        return listeners;
    }

    /** The collection of an entity class, as the conventions name it. */
    String collection(Class<?> type) {
        return conventions.getCollectionName(type);
    }

    /** The metadata of a new entity: {@code @collection} and {@code @java-type}. */
    ObjectNode newMetadata(Class<?> type) {
        ObjectNode metadata = mapper.createObjectNode();
        metadata.put(Metadata.COLLECTION, collection(type));
        metadata.put(Metadata.JAVA_TYPE, type.getName());
        return metadata;
    }

    /**
     * The entity's JSON as the mapper writes it, without the id and without listeners: what change
     * tracking compares.
     */
    ObjectNode snapshot(Object entity) {
        JsonNode tree;
        try {
            tree = mapper.valueToTree(entity);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("cannot convert " + entity.getClass().getName() + " to JSON: "
                    + e.getMessage(), e);
        }
        if (!(tree instanceof ObjectNode document)) {
            throw new IllegalArgumentException("an entity must map to a JSON object, but "
                    + entity.getClass().getName() + " maps to " + tree.getNodeType());
        }
        if (IdProperty.of(entity.getClass()).exists()) {
            document.remove(IdProperty.JSON_NAME);
        }
        return document;
    }

    /** The document to store for {@code entity}, with the conversion listeners called around it. */
    ObjectNode toDocument(String id, Object entity, ObjectNode metadata) {
        for (DocumentConversionListener l : listeners.conversion()) {
            l.beforeConversionToDocument(id, entity, metadata);
        }
        ObjectNode document = snapshot(entity);
        for (DocumentConversionListener l : listeners.conversion()) {
            l.afterConversionToDocument(id, entity, document, metadata);
        }
        return document;
    }

    /**
     * A new entity of {@code type} from a loaded document, with its id property set and the
     * conversion listeners called around it.
     */
    <T> T toEntity(Class<T> type, String id, ObjectNode document, ObjectNode metadata) {
        for (DocumentConversionListener l : listeners.conversion()) {
            l.beforeConversionToEntity(id, document, metadata);
        }
        T entity;
        try {
            entity = mapper.treeToValue(document, type);
        } catch (JsonProcessingException e) {
            throw new CorvidException("document '" + id + "' cannot be read as " + type.getName() + ": "
                    + e.getOriginalMessage(), e);
        }
        IdProperty.of(type).set(entity, id);
        for (DocumentConversionListener l : listeners.conversion()) {
            l.afterConversionToEntity(id, document, metadata, entity);
        }
        return entity;
    }

    /** Overwrites {@code entity}'s properties from a freshly loaded document (refresh), with listeners. */
    void updateEntity(Object entity, String id, ObjectNode document, ObjectNode metadata) {
        for (DocumentConversionListener l : listeners.conversion()) {
            l.beforeConversionToEntity(id, document, metadata);
        }
        try {
            mapper.readerForUpdating(entity).readValue(document);
        } catch (IOException e) {
            throw new CorvidException("document '" + id + "' cannot be read into "
                    + entity.getClass().getName() + ": " + e.getMessage(), e);
        }
        IdProperty.of(entity.getClass()).set(entity, id);
        for (DocumentConversionListener l : listeners.conversion()) {
            l.afterConversionToEntity(id, document, metadata, entity);
        }
    }
}
