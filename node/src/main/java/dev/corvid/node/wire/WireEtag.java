package dev.corvid.node.wire;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.corvid.node.storage.BadRequestException;
import dev.corvid.node.storage.Etag;

/**
 * An etag on the wire: its 16 bytes, bytes 0-7 being {@link Etag#high()} and 8-15 {@link Etag#change()},
 * both big-endian, so the bytes are in the order the text form shows them. Empty bytes mean "no
 * etag" (no expectation, or none to report); 16 zero bytes are {@link Etag#EMPTY}.
 */
public final class WireEtag {

    /** Bytes of an etag on the wire. */
    public static final int BYTES = 16;

    private WireEtag() {
    }

    /** {@code etag} as its 16 bytes; empty bytes for {@code null}. */
    public static ByteString bytes(Etag etag) {
        if (etag == null) {
            return ByteString.EMPTY;
        }
        byte[] bytes = new byte[BYTES];
        put(etag.high(), bytes, 0);
        put(etag.change(), bytes, 8);
        return UnsafeByteOperations.unsafeWrap(bytes); // never written again
    }

    /**
     * The etag {@code bytes} carry; {@code null} for empty bytes.
     *
     * @throws BadRequestException when the bytes are neither empty nor 16 long
     */
    public static Etag etag(ByteString bytes) {
        if (bytes.isEmpty()) {
            return null;
        }
        if (bytes.size() != BYTES) {
            throw new BadRequestException("an etag is " + BYTES + " bytes on the wire, not " + bytes.size());
        }
        return Etag.fromLongs(word(bytes, 0), word(bytes, 8));
    }

    /** The text form of the etag {@code bytes} carry, for people; empty text for empty bytes. */
    public static String text(ByteString bytes) {
        Etag etag = etag(bytes);
        return etag == null ? "" : etag.toString();
    }

    private static void put(long word, byte[] into, int at) {
        for (int i = 0; i < 8; i++) {
            into[at + i] = (byte) (word >>> (56 - 8 * i));
        }
    }

    private static long word(ByteString bytes, int at) {
        long word = 0;
        for (int i = 0; i < 8; i++) {
            word = (word << 8) | (bytes.byteAt(at + i) & 0xFF);
        }
        return word;
    }
}
