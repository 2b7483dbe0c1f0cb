package dev.corvid.client;

/**
 * What the client does when a node does not answer, as in RavenDB 3.x. Set with
 * {@link Conventions#setFailoverBehavior(FailoverBehavior...)}; the behaviors combine (for
 * example {@code READ_FROM_ALL_SERVERS} with
 * {@code ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES}), except
 * {@link #FAIL_IMMEDIATELY}, which stands alone.
 *
 * <table>
 *   <caption>Routing</caption>
 *   <tr><th>behavior</th><th>reads</th><th>writes while the master is down</th></tr>
 *   <tr><td>{@link #FAIL_IMMEDIATELY}</td><td>master only</td><td>error</td></tr>
 *   <tr><td>{@link #ALLOW_READS_FROM_SECONDARIES} (default)</td><td>master, then the replicas in order</td><td>error</td></tr>
 *   <tr><td>{@link #ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES}</td><td>as above</td><td>first live replica</td></tr>
 *   <tr><td>{@link #READ_FROM_ALL_SERVERS}</td><td>each session reads from the next server in turn, skipping failed ones</td><td>error, unless combined with the one above</td></tr>
 * </table>
 *
 * <p>Only "server down" failures fail over: connection refused, {@code UNAVAILABLE},
 * {@code DEADLINE_EXCEEDED}. A concurrency error, a bad request or a missing document never
 * does. A write goes to a second node only when it provably never reached the first one.
 */
public enum FailoverBehavior {

    /** Every call goes to the master; when it is down, reads and writes fail. */
    FAIL_IMMEDIATELY,

    /** Reads go to the master and, when it is down, to the replicas in order; writes fail. The default. */
    ALLOW_READS_FROM_SECONDARIES,

    /** As {@link #ALLOW_READS_FROM_SECONDARIES}, and writes go to the first live replica while the master is down. */
    ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES,

    /**
     * Reads are spread over the master and the replicas: each new session takes the next server in
     * turn and keeps it for all its reads (failed servers are skipped). Writes still go to the
     * master. Etags differ per server: use {@link DatabaseCommands#forceReadFromMaster()} before a
     * read whose etag a concurrency check will use.
     */
    READ_FROM_ALL_SERVERS
}
