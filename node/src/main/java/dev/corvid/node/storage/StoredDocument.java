package dev.corvid.node.storage;

import com.google.protobuf.ByteString;

/**
 * The current version of a live document.
 *
 * @param id           the document id
 * @param etag         the etag this node stamped on this version
 * @param metadataJson the metadata, a JSON object in UTF-8 (holds {@code @collection})
 * @param bodyJson     the document, a JSON object in UTF-8, exactly as the client wrote it
 */
public record StoredDocument(String id, Etag etag, ByteString metadataJson, ByteString bodyJson) {
}
