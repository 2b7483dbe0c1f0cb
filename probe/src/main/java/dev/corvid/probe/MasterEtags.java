package dev.corvid.probe;

import com.google.protobuf.ByteString;

/**
 * The one comparison the probes make on etags, in their wire form (see {@code documents.proto}):
 * 16 bytes, most significant first. The etags one node issues order by when it issued them, byte
 * by byte (unsigned), so their byte order is their order. The probes never look inside an etag
 * beyond that, and show one as its usual text only in messages.
 */
final class MasterEtags {

    private static final int BYTES = 16;

    private MasterEtags() {
    }

    /**
     * Whether {@code applied}, the last master etag a replica reports applied (empty: none), is
     * {@code target} or after it.
     *
     * @throws IllegalArgumentException when {@code target} is empty or either is not 16 bytes
     */
    static boolean atOrAfter(ByteString applied, ByteString target) {
        if (target.isEmpty()) {
            throw new IllegalArgumentException("no master etag to wait for: pass one the master issued");
        }
        if (applied.isEmpty()) {
            return false;
        }
        if (applied.size() != BYTES || target.size() != BYTES) {
            throw new IllegalArgumentException("etags are " + BYTES + " bytes: " + text(applied) + ", " + text(target));
        }
        return ByteString.unsignedLexicographicalComparator().compare(applied, target) >= 0;
    }

    /** {@code etag} as people read it, {@code 01000000-0000-0001-0000-00000000002A}; "(none)" when empty. */
    static String text(ByteString etag) {
        if (etag.isEmpty()) {
            return "(none)";
        }
        StringBuilder text = new StringBuilder(36);
        for (int i = 0; i < etag.size(); i++) {
            if (i == 4 || i == 6 || i == 8 || i == 10) {
                text.append('-');
            }
            text.append(String.format("%02X", etag.byteAt(i) & 0xFF));
        }
        return text.toString();
    }
}
