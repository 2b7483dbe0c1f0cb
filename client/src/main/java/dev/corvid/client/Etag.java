package dev.corvid.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.util.Arrays;

/**
 * A document version stamp: 16 bytes, written like RavenDB's
 * {@code 01000000-0000-0001-0000-00000000002A} (uppercase hex, grouped 8-4-4-4-12).
 *
 * <p>Each node issues its own strictly increasing etags; etags of two different nodes never
 * compare equal. As an expected etag on a write:
 * <ul>
 *   <li>{@code null}: no check (last write wins);</li>
 *   <li>{@link #EMPTY}: the document must not exist yet;</li>
 *   <li>any other: the document must exist with exactly this etag.</li>
 * </ul>
 * Instances are immutable. Ordering, {@code equals} and {@code hashCode} treat the etag as 16
 * unsigned bytes, most significant first.
 */
public final class Etag implements Comparable<Etag> {

    /** All zeros: as an expected etag, "the document must not exist yet". */
    public static final Etag EMPTY = new Etag(new byte[16]);

    private static final int BYTES = 16;
    private static final int TEXT_LENGTH = 36;
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final byte[] bytes;

    private Etag(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * Parses the text form, case-insensitively.
     *
     * @param text 32 hex digits grouped 8-4-4-4-12, like {@code 01000000-0000-0001-0000-00000000002A}
     * @return the etag; {@link #EMPTY} for all zeros
     * @throws BadRequestException when the text is null or not in that form; the message quotes it
     */
    public static Etag parse(String text) {
        if (text == null || text.length() != TEXT_LENGTH) {
            throw badText(text);
        }
        byte[] bytes = new byte[BYTES];
        int nibble = 0;
        for (int i = 0; i < TEXT_LENGTH; i++) {
            char c = text.charAt(i);
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (c != '-') {
                    throw badText(text);
                }
                continue;
            }
            int v = c < 128 ? Character.digit(c, 16) : -1;
            if (v < 0) {
                throw badText(text);
            }
            bytes[nibble / 2] |= (byte) (nibble % 2 == 0 ? v << 4 : v);
            nibble++;
        }
        return of(bytes);
    }

    /**
     * Makes an etag from its 16 bytes, most significant first.
     *
     * @throws IllegalArgumentException when {@code bytes} is not 16 bytes long
     */
    public static Etag fromBytes(byte[] bytes) {
        if (bytes == null || bytes.length != BYTES) {
            throw new IllegalArgumentException("an etag has 16 bytes, got "
                    + (bytes == null ? "null" : bytes.length + " bytes"));
        }
        return of(bytes.clone());
    }

    /**
     * The etag as it travels on the wire: its 16 bytes; empty bytes mean "no etag".
     *
     * @throws CorvidException when a node sent bytes that are neither empty nor 16 long
     */
    static Etag fromWire(ByteString wire) {
        if (wire.isEmpty()) {
            return null;
        }
        if (wire.size() != BYTES) {
            throw new CorvidException("a node sent an etag of " + wire.size() + " bytes; etags are " + BYTES);
        }
        return of(wire.toByteArray());
    }

    /** The etag of {@code bytes}, 16 of them that nothing else holds: {@link #EMPTY} for all zeros. */
    private static Etag of(byte[] bytes) {
        return Arrays.equals(bytes, EMPTY.bytes) ? EMPTY : new Etag(bytes);
    }

    /** The wire form of an expected etag: empty bytes for {@code null} ("no check"). */
    static ByteString toWire(Etag etag) {
        return etag == null ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(etag.bytes); // never written
    }

    private static BadRequestException badText(String text) {
        return new BadRequestException(text == null ? "etag text is null"
                : "etag '" + text + "' does not parse: expected 32 hex digits grouped 8-4-4-4-12, "
                        + "like 01000000-0000-0001-0000-00000000002A");
    }

    /** A copy of the 16 bytes, most significant first. */
    public byte[] toByteArray() {
        return bytes.clone();
    }

    /** True for {@link #EMPTY}. */
    public boolean isEmpty() {
        return this.equals(EMPTY);
    }

    @Override
    public int compareTo(Etag other) {
        return Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Etag e && Arrays.equals(bytes, e.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(TEXT_LENGTH);
        for (int i = 0; i < BYTES; i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                sb.append('-');
            }
            sb.append(HEX[(bytes[i] >> 4) & 0xF]).append(HEX[bytes[i] & 0xF]);
        }
        return sb.toString();
    }
}
