package dev.corvid.node.storage;

/**
 * One entry of the change feed: the current version of a document, or its tombstone.
 * The feed holds each id once, at the etag of its latest change.
 *
 * @param id           the document id
 * @param etag         the etag of the change
 * @param deleted      true for a tombstone (then metadata and body are null)
 * @param metadataJson the metadata of a put
 * @param bodyJson     the body of a put
 */
public record Change(String id, Etag etag, boolean deleted, String metadataJson, String bodyJson) {
}
