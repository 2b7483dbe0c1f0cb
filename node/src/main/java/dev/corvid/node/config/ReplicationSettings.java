package dev.corvid.node.config;

import dev.corvid.node.storage.ConflictPolicy;
import java.time.Duration;

/**
 * How the master streams its changes to a replica and how the two tell each other they are alive,
 * from the cluster config's optional {@code "replication"} object (each field optional, in
 * milliseconds where the name says so):
 * <pre>
 *   "replication": {"heartbeatMillis": 1000, "masterTimeoutMillis": 3000}
 * </pre>
 * How far the master may run ahead of a replica's acks is a serving limit
 * ({@link ServingLimits#replicationWindowBatches()}, {@link ServingLimits#replicationWindowBytes()}).
 *
 * @param heartbeat           how often the master sends a heartbeat on a replication stream that
 *                            carried nothing else for that long; {@code heartbeatMillis}, default
 *                            {@link #DEFAULT_HEARTBEAT} (1,000 ms), at least 10 ms
 * @param masterTimeout       how long a replica counts its master reachable after the last message
 *                            of an accepted stream (batch or heartbeat); it takes failover writes only
 *                            once that long has passed without one, or once the stream has ended (a
 *                            killed master's connection closes at once). {@code masterTimeoutMillis},
 *                            default {@link #DEFAULT_MASTER_TIMEOUT} (3,000 ms), at least twice the
 *                            heartbeat, so one late heartbeat is no outage
 * @param handshakeTimeout    how long the master waits for a replica to answer a new stream's
 *                            handshake before it drops the stream and reconnects;
 *                            {@code handshakeTimeoutMillis}, default {@link #DEFAULT_HANDSHAKE_TIMEOUT}
 *                            (10,000 ms), at least 100 ms
 * @param confirmStreamTimeout in a cluster without a secret, how long a replica waits for its
 *                            master's answer to "did you open this stream?" before it refuses the
 *                            stream; {@code confirmStreamTimeoutMillis}, default
 *                            {@link #DEFAULT_CONFIRM_STREAM_TIMEOUT} (5,000 ms), at least 100 ms
 * @param reconnectBackoffMin the master's first wait before it reconnects a failed stream, doubled
 *                            on each failure in a row; {@code reconnectBackoffMinMillis}, default
 *                            {@link #DEFAULT_RECONNECT_BACKOFF_MIN} (50 ms), at least 1 ms
 * @param reconnectBackoffMax the longest of those waits; {@code reconnectBackoffMaxMillis}, default
 *                            {@link #DEFAULT_RECONNECT_BACKOFF_MAX} (2,000 ms), at least the minimum
 * @param maxBatchChanges     most changes in one replication batch; {@code maxBatchChanges}, default
 *                            {@value #DEFAULT_MAX_BATCH_CHANGES} changes, at least 1
 * @param maxBatchBytes       a batch stops growing past this many bytes of document JSON (it always
 *                            holds at least one change); {@code maxBatchBytes}, default
 *                            {@value #DEFAULT_MAX_BATCH_BYTES} (1 MiB), at least 1,024
 * @param lagHistoryCommits   commits whose time the master remembers to tell a replica's lag; while a
 *                            replica stays away longer the master forgets the oldest, and the lag it
 *                            reports is a lower bound; {@code lagHistoryCommits}, default
 *                            {@value #DEFAULT_LAG_HISTORY_COMMITS} commits, at least 1
 * @param maxAssuranceWait    the longest a write may ask the master to wait for replicas to durably
 *                            apply it (write assurance); a write asking for more is refused before
 *                            anything is written; {@code maxAssuranceWaitMillis}, default
 *                            {@link #DEFAULT_MAX_ASSURANCE_WAIT} (60,000 ms), at least 1 ms
 * @param conflicts           what the master does when a failover write handed back to it meets a
 *                            newer master version: {@code surface} (keep both, the document is in
 *                            conflict), {@code latest} or {@code master}; {@code conflicts}, default
 *                            {@code surface}
 */
public record ReplicationSettings(Duration heartbeat, Duration masterTimeout, Duration handshakeTimeout,
                                  Duration confirmStreamTimeout, Duration reconnectBackoffMin,
                                  Duration reconnectBackoffMax, int maxBatchChanges, long maxBatchBytes,
                                  int lagHistoryCommits, Duration maxAssuranceWait, ConflictPolicy conflicts) {

    public static final Duration DEFAULT_HEARTBEAT = Duration.ofMillis(1_000);
    public static final Duration DEFAULT_MASTER_TIMEOUT = Duration.ofMillis(3_000);
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofMillis(10_000);
    public static final Duration DEFAULT_CONFIRM_STREAM_TIMEOUT = Duration.ofMillis(5_000);
    public static final Duration DEFAULT_RECONNECT_BACKOFF_MIN = Duration.ofMillis(50);
    public static final Duration DEFAULT_RECONNECT_BACKOFF_MAX = Duration.ofMillis(2_000);
    public static final int DEFAULT_MAX_BATCH_CHANGES = 256;
    public static final long DEFAULT_MAX_BATCH_BYTES = 1024 * 1024;
    public static final int DEFAULT_LAG_HISTORY_COMMITS = 200_000;
    public static final Duration DEFAULT_MAX_ASSURANCE_WAIT = Duration.ofMillis(60_000);

    public static final ReplicationSettings DEFAULT = new ReplicationSettings(DEFAULT_HEARTBEAT, DEFAULT_MASTER_TIMEOUT);

    public ReplicationSettings {
        Require.atLeast("replication.heartbeatMillis", heartbeat, 10);
        Require.that(masterTimeout != null && masterTimeout.compareTo(heartbeat.multipliedBy(2)) >= 0,
                "replication.masterTimeoutMillis (" + Require.millis(masterTimeout)
                        + ") must be at least twice replication.heartbeatMillis (" + heartbeat.toMillis() + ")");
        Require.atLeast("replication.handshakeTimeoutMillis", handshakeTimeout, 100);
        Require.atLeast("replication.confirmStreamTimeoutMillis", confirmStreamTimeout, 100);
        Require.atLeast("replication.reconnectBackoffMinMillis", reconnectBackoffMin, 1);
        Require.that(reconnectBackoffMax != null && reconnectBackoffMax.compareTo(reconnectBackoffMin) >= 0,
                "replication.reconnectBackoffMaxMillis (" + Require.millis(reconnectBackoffMax)
                        + ") must be at least replication.reconnectBackoffMinMillis (" + reconnectBackoffMin.toMillis() + ")");
        Require.atLeast("replication.maxBatchChanges", maxBatchChanges, 1);
        Require.atLeast("replication.maxBatchBytes", maxBatchBytes, 1024);
        Require.atLeast("replication.lagHistoryCommits", lagHistoryCommits, 1);
        Require.atLeast("replication.maxAssuranceWaitMillis", maxAssuranceWait, 1);
        Require.that(conflicts != null, "replication.conflicts must be surface, latest or master");
    }

    /** The given heartbeat and master timeout, every other setting its default. */
    public ReplicationSettings(Duration heartbeat, Duration masterTimeout) {
        this(heartbeat, masterTimeout, DEFAULT_HANDSHAKE_TIMEOUT, DEFAULT_CONFIRM_STREAM_TIMEOUT,
                DEFAULT_RECONNECT_BACKOFF_MIN, DEFAULT_RECONNECT_BACKOFF_MAX, DEFAULT_MAX_BATCH_CHANGES,
                DEFAULT_MAX_BATCH_BYTES, DEFAULT_LAG_HISTORY_COMMITS, DEFAULT_MAX_ASSURANCE_WAIT, ConflictPolicy.SURFACE);
    }
}
