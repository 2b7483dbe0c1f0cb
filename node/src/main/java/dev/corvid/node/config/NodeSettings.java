package dev.corvid.node.config;

import dev.corvid.node.consensus.ConsensusSettings;

/**
 * Every setting of a node, in one typed, validated value: the reference for what can be tuned,
 * under which name, with which default and unit. The cluster config sets any of them by section
 * and name ({@code "serving": {"maxExchangeCalls": 512}}); whatever it leaves out keeps its default.
 * Each setting is defined once, in its section's Javadoc and defaults:
 * <ul>
 *   <li>{@code limits} ({@link Limits}): what one request may carry, in bytes and documents;</li>
 *   <li>{@code storage} ({@link StorageSettings}, defaults in
 *       {@link dev.corvid.node.storage.StorageOptions}): log segments, checkpoints, cache;</li>
 *   <li>{@code replication} ({@link ReplicationSettings}): heartbeat, master timeout, handshake
 *       and reconnect timing, batch sizes;</li>
 *   <li>{@code serving} ({@link ServingLimits}): threads, queues, streams and the bytes a client may
 *       make a node hold;</li>
 *   <li>{@code consensus} ({@link ConsensusSettings}): the master's lease and the Raft group's
 *       timing, with a Raft-decided master ({@code "failover": "manual"} or {@code "automatic"}).</li>
 * </ul>
 * What the node's clients must agree on ({@code limits.maxDocumentBytes}, {@code limits.maxRequestBytes},
 * {@code serving.maxExchangeRequestBytes}, {@code serving.maxExchangeAnswerBytes},
 * {@code serving.maxExchangeCalls}, {@code serving.maxDirectGetIds}, {@code serving.maxAnswerBytes})
 * the node tells them in its Topology answer ({@code WireLimits}), so a client never keeps a copy.
 *
 * <p>Not settings, but constants of the protocol or of the code, each named where it applies:
 * Digest page sizes ({@code DigestStream}, as the proto documents them), the longest status
 * description ({@code Errors.MAX_DESCRIPTION_CHARS}, from gRPC's default header limit), the cost of
 * an answer's objects ({@code Exchange.ANSWER_OVERHEAD_BYTES}), the replication handshake's
 * challenge and id sizes ({@code StreamProof}), and the input bounds of documents and queries
 * ({@code JsonRules}, {@code DocumentIds}, {@code Query}).
 *
 * @param limits      request limits; null means {@link Limits#DEFAULT}
 * @param storage     storage tuning; null means {@link StorageSettings#DEFAULT}
 * @param replication replication timing and batches; null means {@link ReplicationSettings#DEFAULT}
 * @param serving     what one client may hold of a node; null means {@link ServingLimits#DEFAULT}
 * @param failover    who decides which node is master, the top-level {@code "failover"}; null
 *                    means {@link FailoverMode#STATIC}
 * @param consensus   the lease and Raft timing; null means {@link ConsensusSettings#DEFAULT}
 * @param tls         where the cluster's certificates are ({@code "tls"}); null means
 *                    {@link TlsSettings#NONE} (plaintext)
 */
public record NodeSettings(Limits limits, StorageSettings storage, ReplicationSettings replication,
                           ServingLimits serving, FailoverMode failover, ConsensusSettings consensus, TlsSettings tls) {

    public static final NodeSettings DEFAULT = new NodeSettings(Limits.DEFAULT, StorageSettings.DEFAULT,
            ReplicationSettings.DEFAULT, ServingLimits.DEFAULT);

    /** These settings with a static master. */
    public NodeSettings(Limits limits, StorageSettings storage, ReplicationSettings replication, ServingLimits serving) {
        this(limits, storage, replication, serving, FailoverMode.STATIC, ConsensusSettings.DEFAULT, TlsSettings.NONE);
    }

    /** These settings with the cluster's certificates in {@code tls}. */
    public NodeSettings withTls(TlsSettings tls) {
        return new NodeSettings(limits, storage, replication, serving, failover, consensus, tls);
    }

    public NodeSettings {
        limits = limits != null ? limits : Limits.DEFAULT;
        storage = storage != null ? storage : StorageSettings.DEFAULT;
        replication = replication != null ? replication : ReplicationSettings.DEFAULT;
        serving = serving != null ? serving : ServingLimits.DEFAULT;
        failover = failover != null ? failover : FailoverMode.STATIC;
        consensus = consensus != null ? consensus : ConsensusSettings.DEFAULT;
        tls = tls != null ? tls : TlsSettings.NONE;
    }

    /**
     * The largest call one Exchange stream carries, in bytes: {@code serving.maxExchangeRequestBytes},
     * or {@code limits.maxRequestBytes} where that is smaller (an Exchange call is a request like
     * any other, and a config that lowers the request limit alone stays valid).
     */
    public int maxExchangeRequestBytes() {
        return Math.min(serving.maxExchangeRequestBytes(), limits.maxRequestBytes());
    }
}
