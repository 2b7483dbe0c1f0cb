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
    /** {@code true} on a version a replica accepted as a failover write while the master was down. */
    public static final String FAILOVER_WRITE = "@failover-write";

    /** Never stored from a client write. */
    static final List<String> DERIVED = List.of("@etag", "@id", REPLICATION_SOURCE, SOURCE_ETAG, FAILOVER_WRITE);

    private MetadataKeys() {
    }
}
