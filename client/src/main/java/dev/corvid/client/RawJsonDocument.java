package dev.corvid.client;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A document as {@link DatabaseCommands#getRaw(String)} returns it: its body and stored metadata
 * as the node sent them, UTF-8 JSON never parsed on the client, for callers that pass documents
 * through (proxies, exports, bulk loaders) or parse them their own way. The id and the etag are
 * separate ({@code @etag} and {@code @id} are not in the metadata). Immutable.
 */
public final class RawJsonDocument {

    private final String id;
    private final Etag etag;
    private final ByteString body;
    private final ByteString metadata;

    RawJsonDocument(String id, Etag etag, ByteString body, ByteString metadata) {
        this.id = id;
        this.etag = etag;
        this.body = body;
        this.metadata = metadata;
    }

    /** The document id. */
    public String getId() {
        return id;
    }

    /** The etag the node that answered stamped on this version (each node has its own sequence). */
    public Etag getEtag() {
        return etag;
    }

    /** The body, a JSON object in UTF-8; a new array on every call. */
    public byte[] getBody() {
        return body.toByteArray();
    }

    /** The body as a string. */
    public String getBodyString() {
        return body.toStringUtf8();
    }

    /** Writes the body's bytes to {@code out}, without a copy. */
    public void writeBodyTo(OutputStream out) throws IOException {
        body.writeTo(out);
    }

    /** The stored metadata (with {@code @collection}), a JSON object in UTF-8; a new array on every call. */
    public byte[] getMetadata() {
        return metadata.toByteArray();
    }

    /** The stored metadata as a string. */
    public String getMetadataString() {
        return metadata.toStringUtf8();
    }

    @Override
    public String toString() {
        return "RawJsonDocument{" + id + " @ " + etag + "}";
    }
}
