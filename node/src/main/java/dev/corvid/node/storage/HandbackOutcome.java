package dev.corvid.node.storage;

/**
 * What the master did with one {@link HandedBack} version.
 *
 * @param kind what happened
 * @param etag the master's etag of the document afterwards (the applied version, the conflict, or
 *             its own version it kept); null when the document does not exist on the master
 */
public record HandbackOutcome(Kind kind, Etag etag) {

    /** What happened to a handed-back version. */
    public enum Kind {
        /** Stored as the master's current version (with a master etag), replicated to every node. */
        APPLIED,
        /** Kept beside the master's newer version: the document is in conflict. */
        CONFLICT,
        /** The master had it already (an earlier hand-back, or the same content): nothing changed. */
        ALREADY,
        /** The conflict policy kept the master's newer version; the handed-back one is not stored. */
        KEPT_BY_POLICY
    }
}
