package dev.corvid.testing;

/**
 * The one comparison the probes make on etags, in their wire form (see {@code documents.proto}):
 * 32 hex digits, most significant first, grouped 8-4-4-4-12. The etags one node issues order by
 * when it issued them, byte by byte, so for fixed-width text of one case their text order is
 * their order. The probes never parse an etag beyond that.
 */
final class MasterEtags {

    private MasterEtags() {
    }

    /**
     * Whether {@code applied}, the last master etag a replica reports applied (empty: none), is
     * {@code target} or after it.
     *
     * @throws IllegalArgumentException when {@code target} is empty or either is not etag-sized
     */
    static boolean atOrAfter(String applied, String target) {
        if (target.isEmpty()) {
            throw new IllegalArgumentException("no master etag to wait for: pass one the master issued");
        }
        if (applied.isEmpty()) {
            return false;
        }
        if (applied.length() != target.length()) {
            throw new IllegalArgumentException("etags of different lengths: '" + applied + "', '" + target + "'");
        }
        return applied.compareToIgnoreCase(target) >= 0;
    }
}
