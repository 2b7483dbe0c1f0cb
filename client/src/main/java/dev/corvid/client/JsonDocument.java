package dev.corvid.client;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A raw document as {@link DatabaseCommands#get(String)} returns it: the body and the metadata as
 * Jackson nodes, with {@code @etag} and {@code @id} in the metadata. The nodes are copies owned by
 * the caller.
 */
public final class JsonDocument {

    private final String id;
    private final Etag etag;
    private final ObjectNode body;
    private final ObjectNode metadata;

    JsonDocument(String id, Etag etag, ObjectNode body, ObjectNode metadata) {
        this.id = id;
        this.etag = etag;
        this.body = body;
        this.metadata = metadata;
    }

    /** The document id. */
    public String getId() {
        return id;
    }

    /** The etag the node that answered stamped on this version. */
    public Etag getEtag() {
        return etag;
    }

    /** The document itself. */
    public ObjectNode getBody() {
        return body;
    }

    /** The stored metadata plus {@code @etag} and {@code @id}. */
    public ObjectNode getMetadata() {
        return metadata;
    }

    @Override
    public String toString() {
        return "JsonDocument{" + id + " @ " + etag + "}";
    }
}
