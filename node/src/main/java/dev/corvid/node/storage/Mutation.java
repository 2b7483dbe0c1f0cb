package dev.corvid.node.storage;

/**
 * One validated operation of a batch, ready for the writer: JSON already checked and encoded.
 *
 * @param kind       put or delete
 * @param id         a valid document id
 * @param expected   the etag the document must have; null for no check, {@link Etag#EMPTY} for "must not exist"
 * @param collection the {@code @collection} of a put, or null
 * @param metadata   UTF-8 JSON object of a put; of a delete null, or what its tombstone keeps
 *                   (a replica's failover delete)
 * @param body       UTF-8 JSON object of a put, or null
 */
public record Mutation(Kind kind, String id, Etag expected, String collection, byte[] metadata, byte[] body) {

    /** What the operation does. */
    public enum Kind { PUT, DELETE }

    /** The bytes of a put's metadata and body JSON; 0 for a delete. */
    public int documentBytes() {
        return kind == Kind.PUT ? metadata.length + body.length : 0;
    }
}
