package dev.corvid.node.storage;

import com.google.protobuf.ByteString;

/**
 * One entry of the change feed: the current version of a document, or its tombstone.
 * The feed holds each id once, at the etag of its latest change.
 *
 * @param id           the document id
 * @param etag         the etag of the change
 * @param deleted      true for a tombstone (then the body is null, and so is the metadata unless
 *                     the tombstone keeps some: a replica's failover delete)
 * @param metadataJson the metadata of a put, a JSON object in UTF-8
 * @param bodyJson     the body of a put, a JSON object in UTF-8
 */
public record Change(String id, Etag etag, boolean deleted, ByteString metadataJson, ByteString bodyJson) {
}
