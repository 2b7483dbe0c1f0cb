package dev.corvid.node.storage;

import java.util.Locale;

/**
 * A 16-byte version stamp, written like RavenDB's {@code 01000000-0000-0001-0000-00000000002A}.
 *
 * <p>Layout, most significant byte first:
 * <pre>
 *   byte 0      type (1 = document change)
 *   bytes 1-3   node tag: unique to the node (its data directory) that issued the etag
 *   bytes 4-7   restart counter of that node when it issued the etag
 *   bytes 8-15  change counter of that node: strictly increasing over the node's whole life
 * </pre>
 * Etags of one node therefore order by when they were issued, and etags of two nodes never
 * compare equal. {@link #EMPTY} (all zeros) means "the document must not exist yet".
 * Ordering is unsigned, byte by byte.
 */
public final class Etag implements Comparable<Etag> {

    /** All zeros: "must not exist yet" as an expected etag. */
    public static final Etag EMPTY = new Etag(0L, 0L);

    static final int TYPE_DOCUMENT = 1;
    private static final int TEXT_LENGTH = 36;
    private static final char[] HEX_DIGITS = "0123456789ABCDEF".toCharArray();

    private final long high;
    private final long low;

    private Etag(long high, long low) {
        this.high = high;
        this.low = low;
    }

    /** The etag of the {@code change}-th change issued by the node {@code nodeTag} in its {@code restart}-th run. */
    public static Etag of(int nodeTag, int restart, long change) {
        assert (nodeTag & 0xFF000000) == 0 : "node tag has 24 bits: " + nodeTag;
        long high = ((long) TYPE_DOCUMENT << 56) | ((long) nodeTag << 32) | (restart & 0xFFFFFFFFL);
        return new Etag(high, change);
    }

    /** The etag whose bytes 0-7 are {@code high} and 8-15 {@code low}, as the log and the index store it. */
    public static Etag fromLongs(long high, long low) {
        return high == 0 && low == 0 ? EMPTY : new Etag(high, low);
    }

    /**
     * Parses the text form, case-insensitively.
     *
     * @throws IllegalArgumentException when the text is not 32 hex digits grouped 8-4-4-4-12
     */
    public static Etag parse(String text) {
        if (text == null || text.length() != TEXT_LENGTH) {
            throw badText(text);
        }
        long high = 0;
        long low = 0;
        int digits = 0;
        for (int i = 0; i < TEXT_LENGTH; i++) {
            char c = text.charAt(i);
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (c != '-') {
                    throw badText(text);
                }
                continue;
            }
            int v = Character.digit(c, 16);
            if (v < 0 || c > 'f') {
                throw badText(text);
            }
            if (digits < 16) {
                high = (high << 4) | v;
            } else {
                low = (low << 4) | v;
            }
            digits++;
        }
        return fromLongs(high, low);
    }

    private static IllegalArgumentException badText(String text) {
        return new IllegalArgumentException("etag '" + text
                + "' does not parse: expected 32 hex digits like 01000000-0000-0001-0000-00000000002A");
    }

    /** Bytes 0-7: the type, the node tag and the restart counter. */
    public long high() {
        return high;
    }

    /** The change counter: strictly increasing per node, so it orders a node's own etags (0 for {@link #EMPTY}). */
    public long change() {
        return low;
    }

    /** The node tag of the node that issued this etag (0 for {@link #EMPTY}). */
    public int nodeTag() {
        return (int) ((high >>> 32) & 0xFFFFFF);
    }

    /** A node tag as it is shown in stats and handshakes: 6 hex digits. */
    public static String nodeTagText(int nodeTag) {
        return String.format(Locale.ROOT, "%06X", nodeTag);
    }

    public boolean isEmpty() {
        return high == 0 && low == 0;
    }

    @Override
    public int compareTo(Etag other) {
        int c = Long.compareUnsigned(high, other.high);
        return c != 0 ? c : Long.compareUnsigned(low, other.low);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Etag e && e.high == high && e.low == low;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(high) * 31 + Long.hashCode(low);
    }

    /**
     * The text form, upper-case hex. Written by hand: it runs for every document sent or
     * replicated, where {@code String.format} cost a few percent of a node's CPU.
     */
    @Override
    public String toString() {
        char[] text = new char[TEXT_LENGTH];
        int at = 0;
        for (int digit = 0; digit < 32; digit++) {
            if (digit == 8 || digit == 12 || digit == 16 || digit == 20) {
                text[at++] = '-';
            }
            long word = digit < 16 ? high : low;
            text[at++] = HEX_DIGITS[(int) (word >>> (60 - 4 * (digit & 15))) & 0xF];
        }
        return new String(text);
    }
}
