package dev.corvid.node.storage;

/**
 * The outcome of one operation of a committed batch.
 *
 * @param id      the document id
 * @param etag    the new etag of the document or of its tombstone; null when a delete found nothing
 * @param deleted true for a delete
 */
public record WriteResult(String id, Etag etag, boolean deleted) {
}
