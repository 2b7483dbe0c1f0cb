package dev.corvid.node.storage;

/**
 * The current version of a live document.
 *
 * @param id           the document id
 * @param etag         the etag this node stamped on this version
 * @param metadataJson the metadata, a JSON object (holds {@code @collection})
 * @param bodyJson     the document, a JSON object
 */
public record StoredDocument(String id, Etag etag, String metadataJson, String bodyJson) {
}
