package dev.corvid.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corvid.client.routing.NodeCall;

/**
 * A raw document as {@link DatabaseCommands#get(String)} returns it: the body and the metadata as
 * Jackson nodes, with {@code @etag} and {@code @id} in the metadata. The nodes are copies owned by
 * the caller. The commands never return a document in conflict: they resolve it through the
 * {@link DocumentConflictListener}s or throw {@link ConflictException}.
 */
public final class JsonDocument {

    private final String id;
    private final Etag etag;
    private final ObjectNode body;
    private final ObjectNode metadata;
    /** The node that answered, whose etag {@link #etag} is. */
    private final NodeCall.Target servedBy;
    /** True for a holder (a document in conflict), which never leaves the client's internals. */
    private final boolean inConflict;

    JsonDocument(String id, Etag etag, ObjectNode body, ObjectNode metadata, NodeCall.Target servedBy) {
        this.id = id;
        this.etag = etag;
        this.body = body;
        this.metadata = metadata;
        this.servedBy = servedBy;
        this.inConflict = Metadata.isConflict(metadata);
    }

    /** True when this is a holder: {@code @conflict} is set and the versions are in {@code @conflicts}. */
    boolean inConflict() {
        return inConflict;
    }

    /** The node that served this version; its etag sequence is the one {@link #getEtag()} belongs to. */
    NodeCall.Target servedBy() {
        return servedBy;
    }

    /** The document id. */
    public String getId() {
        return id;
    }

    /**
     * The etag the node that answered stamped on this version. Each node has its own etag
     * sequence: an etag read from a replica never matches the master's etag of the same version.
     */
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
