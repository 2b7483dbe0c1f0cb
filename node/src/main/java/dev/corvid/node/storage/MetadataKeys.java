package dev.corvid.node.storage;

import java.util.List;

/**
 * Metadata keys with a meaning to the node. The ones in {@link #DERIVED} are set by the node only:
 * a client write never stores them, whatever it sends (a document loaded from a replica and saved
 * on the master must not keep the replica's provenance).
 */
public final class MetadataKeys {

    /** The collection of a document, e.g. {@code "People"}; set by the client. */
    public static final String COLLECTION = "@collection";
    /** When the node that took the client write received it, ISO-8601 UTC. */
    public static final String LAST_MODIFIED = "@last-modified";
    /** On a replica: the node name of the master this version came from. */
    public static final String REPLICATION_SOURCE = "@replication-source";
    /** On a replica: the master's etag of this version. */
    public static final String SOURCE_ETAG = "@source-etag";
    /**
     * {@code true} on a version (or the tombstone of a delete) a replica accepted as a failover write
     * while the master was down, until the master has it: such a version is handed back to the master.
     */
    public static final String FAILOVER_WRITE = "@failover-write";
    /**
     * On a failover write: the last master etag the replica had applied when it took the write. The
     * master applies the write if its own version is no later than that (the replica wrote on top of
     * it), and keeps both as a conflict otherwise.
     */
    public static final String FAILOVER_BASE = "@failover-base";
    /** On a version the master took from a node's hand-back: the name of the node that took the write. */
    public static final String ORIGIN_NODE = "@origin-node";
    /** On a version the master took from a node's hand-back: the etag that node stamped on it. */
    public static final String ORIGIN_ETAG = "@origin-etag";
    /** {@code true} on a document in conflict: several versions, none chosen yet. */
    public static final String CONFLICT = "@conflict";
    /**
     * On a document in conflict: its versions, the master's first, each an object with {@code node},
     * {@code etag}, {@code deleted}, and unless deleted {@code metadata} and {@code body}.
     */
    public static final String CONFLICTS = "@conflicts";

    /** Never stored from a client write; also what the master strips from a handed-back version. */
    public static final List<String> DERIVED = List.of("@etag", "@id", REPLICATION_SOURCE, SOURCE_ETAG, FAILOVER_WRITE,
            FAILOVER_BASE, ORIGIN_NODE, ORIGIN_ETAG, CONFLICT, CONFLICTS);

    /**
     * Whether stored metadata JSON holds {@code mark} (e.g. {@code "@conflict":true}) byte for byte:
     * a scan, no parse, for checks on every record of a feed or a digest. The node writes its
     * metadata compactly, so its own marks always read this way.
     */
    public static boolean holds(byte[] metadata, byte[] mark) {
        if (metadata == null) {
            return false;
        }
        outer:
        for (int i = 0; i + mark.length <= metadata.length; i++) {
            for (int j = 0; j < mark.length; j++) {
                if (metadata[i + j] != mark[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private MetadataKeys() {
    }
}
