package dev.corvid.node.consensus;

import java.io.File;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * Every setting of the consensus group, and the one place that turns them into Ratis properties.
 * The cluster config sets them in its optional {@code "consensus"} object (each field optional):
 * <pre>
 *   "consensus": {"leaseMillis": 1000, "electionTimeoutMinMillis": 300, "electionTimeoutMaxMillis": 600,
 *                 "requestTimeoutMillis": 5000, "snapshotEntries": 4096}
 * </pre>
 * Every node of a cluster must have the same: a master and the Raft leader judge one lease.
 * Ratis keys not named here keep Ratis's defaults (gRPC transport, pre-vote on, install snapshot on).
 *
 * <p>Derived, not set: the master renews its lease every {@link #renewInterval()}; the Raft
 * leader's failover monitor looks every {@link #monitorInterval()}; one attempt of a command waits
 * at most a lease for a peer that does not answer, then the client tries the next one; a renewal
 * gives up after half a lease.
 *
 * <p>Kept at Ratis's defaults, and worth knowing: a JVM pause longer than 60 s makes Ratis close
 * the server on resume ({@code RaftServerConfigKeys.setCloseThreshold}), and a leader paused
 * longer than 10 s steps down ({@code LeaderElection.setLeaderStepDownWaitTime}).
 *
 * @param lease              how long a successful renewal lets the master acknowledge writes,
 *                           counted from when it sent the renewal; also how long renewals must stop
 *                           before the automatic failover promotes, and how long a new master whose
 *                           predecessor was not fenced waits: a longer lease rides out longer pauses
 *                           without a failover, and makes each failover as much longer.
 *                           {@code leaseMillis}, default {@link #DEFAULT_LEASE} (1,000 ms), at least 100 ms
 * @param electionTimeoutMin a follower that hears no leader for a random time between the two
 *                           election timeouts starts an election. {@code electionTimeoutMinMillis},
 *                           default {@link #DEFAULT_ELECTION_TIMEOUT_MIN} (300 ms), at least 50 ms
 * @param electionTimeoutMax {@code electionTimeoutMaxMillis}, default
 *                           {@link #DEFAULT_ELECTION_TIMEOUT_MAX} (600 ms), more than the
 *                           minimum and less than the lease (a leader must be elected well within a
 *                           lease for the failover to fit its time)
 * @param requestTimeout     how long a command (promote, release) or a linearizable read may take,
 *                           retries across peers and elections included, before it fails with
 *                           {@link ConsensusException}. {@code requestTimeoutMillis}, default
 *                           {@link #DEFAULT_REQUEST_TIMEOUT} (5,000 ms), at least the lease
 * @param snapshotEntries    a snapshot is taken, and the log before it purged, once this many
 *                           entries were applied since the last one (renewals come at 4 a second).
 *                           {@code snapshotEntries}, default {@value #DEFAULT_SNAPSHOT_ENTRIES}
 *                           entries, at least 16
 */
public record ConsensusSettings(Duration lease, Duration electionTimeoutMin, Duration electionTimeoutMax,
                                Duration requestTimeout, long snapshotEntries) {

    public static final Duration DEFAULT_LEASE = Duration.ofMillis(1_000);
    public static final Duration DEFAULT_ELECTION_TIMEOUT_MIN = Duration.ofMillis(300);
    public static final Duration DEFAULT_ELECTION_TIMEOUT_MAX = Duration.ofMillis(600);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofMillis(5_000);
    public static final long DEFAULT_SNAPSHOT_ENTRIES = 4_096;

    public static final ConsensusSettings DEFAULT = new ConsensusSettings(DEFAULT_LEASE, DEFAULT_ELECTION_TIMEOUT_MIN,
            DEFAULT_ELECTION_TIMEOUT_MAX, DEFAULT_REQUEST_TIMEOUT, DEFAULT_SNAPSHOT_ENTRIES);

    /** A log segment is closed, and can be purged, at this size: small, so purging starts within the hour. */
    static final SizeInBytes LOG_SEGMENT_SIZE_MAX = SizeInBytes.valueOf("1MB");
    /** Space reserved ahead in a new log segment (Ratis's 4 MB default exceeds the segment). */
    static final SizeInBytes LOG_PREALLOCATED_SIZE = SizeInBytes.valueOf("128KB");
    /** Snapshot files kept; the older ones are deleted as new ones are taken. */
    static final int SNAPSHOTS_RETAINED = 2;
    /** Pause between a client's retries (another peer, or the same one after an election). */
    static final Duration RETRY_SLEEP = Duration.ofMillis(50);

    /** @throws IllegalArgumentException naming the setting's config key, when one is out of its range */
    public ConsensusSettings {
        atLeast("consensus.leaseMillis", lease, Duration.ofMillis(100));
        atLeast("consensus.electionTimeoutMinMillis", electionTimeoutMin, Duration.ofMillis(50));
        atLeast("consensus.electionTimeoutMaxMillis", electionTimeoutMax, electionTimeoutMin.plusMillis(1));
        if (electionTimeoutMax.compareTo(lease) >= 0) {
            throw new IllegalArgumentException("consensus.electionTimeoutMaxMillis (" + electionTimeoutMax.toMillis()
                    + ") must be less than consensus.leaseMillis (" + lease.toMillis() + ")");
        }
        atLeast("consensus.requestTimeoutMillis", requestTimeout, lease);
        if (snapshotEntries < 16) {
            throw new IllegalArgumentException("consensus.snapshotEntries must be at least 16, was " + snapshotEntries);
        }
    }

    /** The given lease, every other setting its default. */
    public static ConsensusSettings withLease(Duration lease) {
        return new ConsensusSettings(lease, DEFAULT_ELECTION_TIMEOUT_MIN, DEFAULT_ELECTION_TIMEOUT_MAX,
                DEFAULT_REQUEST_TIMEOUT, DEFAULT_SNAPSHOT_ENTRIES);
    }

    /** How often the master renews its lease: four times a lease, so one lost renewal costs nothing. */
    public Duration renewInterval() {
        return lease.dividedBy(4);
    }

    /**
     * How often the Raft leader checks the master's renewals in automatic mode: a twentieth of a
     * lease (a cheap local check; it adds at most this much to a failover).
     */
    public Duration monitorInterval() {
        return lease.dividedBy(20);
    }

    /** How long the failover monitor waits before it asks {@link Candidates} again after nobody answered. */
    public Duration candidatesRetry() {
        return lease.dividedBy(4);
    }

    /** The server's properties: storage under {@code storageDir}, gRPC bound to this node's peer address. */
    RaftProperties serverProperties(File storageDir, InetSocketAddress address) {
        RaftProperties p = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(p, List.of(storageDir));
        GrpcConfigKeys.Server.setHost(p, address.getHostString());
        GrpcConfigKeys.Server.setPort(p, address.getPort());
        RaftServerConfigKeys.Rpc.setTimeoutMin(p, ratis(electionTimeoutMin));
        RaftServerConfigKeys.Rpc.setTimeoutMax(p, ratis(electionTimeoutMax));
        // Reads through the leader use ReadIndex: a deposed leader that does not know it yet cannot
        // answer from its stale state.
        RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Read.setTimeout(p, ratis(requestTimeout));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, snapshotEntries);
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, SNAPSHOTS_RETAINED);
        RaftServerConfigKeys.Log.setSegmentSizeMax(p, LOG_SEGMENT_SIZE_MAX);
        RaftServerConfigKeys.Log.setPreallocatedSize(p, LOG_PREALLOCATED_SIZE);
        return p;
    }

    /** A client's properties: an attempt on a peer that does not answer is given up after {@code attemptTimeout}. */
    static RaftProperties clientProperties(Duration attemptTimeout) {
        RaftProperties p = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(p, ratis(attemptTimeout));
        return p;
    }

    static TimeDuration ratis(Duration d) {
        return TimeDuration.valueOf(d.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void atLeast(String name, Duration value, Duration min) {
        Objects.requireNonNull(value, name);
        if (value.compareTo(min) < 0) {
            throw new IllegalArgumentException(name + " must be at least " + min.toMillis() + ", was " + value.toMillis());
        }
    }
}
