package dev.corvid.node.storage;

/**
 * What a consistency check needs of one id's current record, without the document itself.
 *
 * @param id         the document id
 * @param etag       this node's etag of the version (or of the tombstone)
 * @param deleted    true for a tombstone
 * @param collection the version's collection; null for a tombstone or a document without one
 * @param bodyHash   the first {@value ContentScan#HASH_BYTES} bytes of the SHA-256 of the body JSON
 *                   as stored (UTF-8); empty for a tombstone
 * @param conflicted the document is in conflict ({@value MetadataKeys#CONFLICT} in its metadata)
 */
public record ContentDigest(String id, Etag etag, boolean deleted, String collection, byte[] bodyHash,
                            boolean conflicted) {

    private static final byte[] CONFLICT_MARK = ("\"" + MetadataKeys.CONFLICT + "\":true")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);

    /** Whether stored metadata JSON says the document is in conflict; reads the bytes, parses nothing. */
    static boolean isConflict(byte[] metadata) {
        return MetadataKeys.holds(metadata, CONFLICT_MARK);
    }
}
