package dev.corvid.node.storage.index;

import com.google.protobuf.UnsafeByteOperations;
import dev.corvid.node.storage.Change;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.StoredDocument;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The value stored per id: a live version or a tombstone, with its etag. The index keeps records
 * encoded (in memory until the checkpoint has them, and in the checkpoint), in this layout:
 *
 * <pre>
 *   byte    1 = tombstone, 0 = live
 *   long    etag, high half
 *   long    etag, low half (the change counter)
 *   short   collection length in bytes (0 = none), then its UTF-8 bytes
 *   int     metadata length, then the metadata JSON (UTF-8); a tombstone's is 0 unless it keeps
 *           metadata (a replica's failover delete)
 *   rest    body JSON (UTF-8); none for a tombstone
 * </pre>
 *
 * @param metadata a live version's metadata; for a tombstone null, or the metadata it keeps
 */
public record DocumentRecord(boolean tombstone, Etag etag, String collection, byte[] metadata, byte[] body) {

    static DocumentRecord live(Etag etag, String collection, byte[] metadata, byte[] body) {
        return new DocumentRecord(false, etag, collection, metadata, body);
    }

    static DocumentRecord tombstone(Etag etag) {
        return tombstone(etag, null);
    }

    /** A tombstone that keeps {@code metadata} (null for none). */
    static DocumentRecord tombstone(Etag etag, byte[] metadata) {
        return new DocumentRecord(true, etag, null, metadata, null);
    }

    byte[] encode() {
        byte[] coll = collection == null ? new byte[0] : collection.getBytes(StandardCharsets.UTF_8);
        int metadataLength = metadata == null ? 0 : metadata.length;
        int size = 1 + 16 + 2 + coll.length + 4 + metadataLength + (tombstone ? 0 : body.length);
        ByteBuffer buf = ByteBuffer.allocate(size);
        buf.put((byte) (tombstone ? 1 : 0)).putLong(etag.high()).putLong(etag.change());
        buf.putShort((short) coll.length).put(coll);
        buf.putInt(metadataLength);
        if (metadata != null) {
            buf.put(metadata);
        }
        if (!tombstone) {
            buf.put(body);
        }
        return buf.array();
    }

    static DocumentRecord decode(byte[] bytes) {
        Header header = header(bytes);
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        buf.position(1 + 16); // past the flag and the etag
        int collLength = buf.getShort() & 0xFFFF;
        buf.position(buf.position() + collLength);
        int metadataLength = buf.getInt();
        if (header.tombstone()) {
            if (metadataLength == 0) {
                return tombstone(header.etag());
            }
            byte[] kept = new byte[metadataLength];
            buf.get(kept);
            return tombstone(header.etag(), kept);
        }
        byte[] metadata = new byte[metadataLength];
        buf.get(metadata);
        byte[] body = new byte[buf.remaining()];
        buf.get(body);
        return live(header.etag(), header.collection(), metadata, body);
    }

    /**
     * What the index decides on about a record: everything but the JSON, the etag's two halves
     * inline.
     */
    public record Header(long etagHigh, long change, boolean tombstone, String collection) {

        /** The group of the tombstones among the members (no collection name holds a control character). */
        public static final String TOMBSTONES = "\u0001tombstones";
        /** The group of the live documents without a collection among the members. */
        public static final String UNNAMED = "\u0001unnamed";

        Header(Etag etag, boolean tombstone, String collection) {
            this(etag.high(), etag.change(), tombstone, collection);
        }

        /**
         * The group the id is a member of: its collection when live, else {@link #UNNAMED} or
         * {@link #TOMBSTONES}. Every id with a record is in exactly one, so the groups together
         * list every id in id order ({@code DocumentIndex#contentScan}).
         */
        public String group() {
            return tombstone ? TOMBSTONES : collection == null ? UNNAMED : collection;
        }

        /** Whether {@code group} is a collection, not one of the two other groups. */
        public static boolean isCollection(String group) {
            return !group.equals(TOMBSTONES) && !group.equals(UNNAMED);
        }

        public Etag etag() {
            return Etag.fromLongs(etagHigh, change);
        }

        /** Whether the encoded record carries this header's etag; reads 16 bytes. */
        boolean etagOf(byte[] record) {
            return hasEtag(record, etagHigh, change);
        }
    }

    /** The change counter of the encoded record's etag. */
    static long change(byte[] bytes) {
        return ByteBuffer.wrap(bytes).getLong(9);
    }

    /** Whether the encoded record carries {@code etag}; reads 16 bytes. */
    static boolean hasEtag(byte[] bytes, Etag etag) {
        return hasEtag(bytes, etag.high(), etag.change());
    }

    private static boolean hasEtag(byte[] bytes, long high, long change) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        return buf.getLong(1) == high && buf.getLong(9) == change;
    }

    /** Reads the etag, the tombstone flag and the collection, without copying the JSON. */
    public static Header header(byte[] bytes) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        boolean tombstone = buf.get() == 1;
        Etag etag = Etag.fromLongs(buf.getLong(), buf.getLong());
        int collLength = buf.getShort() & 0xFFFF;
        String collection = collLength == 0 ? null
                : new String(bytes, buf.position(), collLength, StandardCharsets.UTF_8);
        return new Header(etag, tombstone, collection);
    }

    // The JSON is handed out without a copy: a record's arrays are never written after it is built.

    StoredDocument toDocument(String id) {
        assert !tombstone : "tombstone of " + id;
        return new StoredDocument(id, etag, UnsafeByteOperations.unsafeWrap(metadata), UnsafeByteOperations.unsafeWrap(body));
    }

    Change toChange(String id) {
        return tombstone ? new Change(id, etag, true, metadata == null ? null : UnsafeByteOperations.unsafeWrap(metadata), null)
                : new Change(id, etag, false, UnsafeByteOperations.unsafeWrap(metadata), UnsafeByteOperations.unsafeWrap(body));
    }
}
