package dev.corvid.node.storage;

/**
 * A version another node took while it could not reach the master (a failover write), on its way
 * back to the master.
 *
 * @param id       the document
 * @param etag     the etag the node that took it stamped on it (its own etag space)
 * @param deleted  a delete (then {@code metadata} is its tombstone's marks, and {@code body} null)
 * @param metadata the version's metadata as that node stored it, a JSON object in UTF-8
 * @param body     the body of a put, a JSON object in UTF-8; null for a delete
 * @param base     the last master etag that node had applied when it took the write; null when none
 */
public record HandedBack(String id, Etag etag, boolean deleted, byte[] metadata, byte[] body, Etag base) {
}
