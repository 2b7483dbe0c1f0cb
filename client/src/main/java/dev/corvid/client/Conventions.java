package dev.corvid.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corvid.client.routing.FailoverPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * Settings of a {@link DocumentStore}. They freeze at {@link DocumentStore#initialize()}: every
 * setter called afterwards throws {@link IllegalStateException}, so all sessions of a store see
 * the same conventions.
 */
public final class Conventions {

    /** Default of {@link #getMaxNumberOfRequestsPerSession()}. */
    public static final int DEFAULT_MAX_REQUESTS_PER_SESSION = 30;
    /** Default of {@link #getRequestTimeout()}. */
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    /** Default of {@link #getFailedNodeProbeInterval()}. */
    public static final Duration DEFAULT_FAILED_NODE_PROBE_INTERVAL = Duration.ofMillis(250);
    /** Default of {@link #getTopologyRefreshInterval()}. */
    public static final Duration DEFAULT_TOPOLOGY_REFRESH_INTERVAL = Duration.ofSeconds(30);
    /** Default of {@link #getConnectTimeout()}. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);

    private volatile boolean frozen;
    private volatile FailoverPolicy failoverPolicy = FailoverPolicy.DEFAULT;
    private volatile ReplicaEtagPolicy replicaEtagPolicy = ReplicaEtagPolicy.SEND_AS_IS;
    private volatile Duration failedNodeProbeInterval = DEFAULT_FAILED_NODE_PROBE_INTERVAL;
    private volatile Duration topologyRefreshInterval = DEFAULT_TOPOLOGY_REFRESH_INTERVAL;
    private volatile Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private volatile Path topologyCacheDirectory = defaultTopologyCacheDirectory();
    private volatile boolean defaultUseOptimisticConcurrency;
    private volatile int maxNumberOfRequestsPerSession = DEFAULT_MAX_REQUESTS_PER_SESSION;
    private volatile Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private volatile ObjectMapper objectMapper = defaultObjectMapper();
    private volatile TransportMode transportMode = TransportMode.fromSystemProperty();
    private volatile WriteAssurance writeAssurance = WriteAssurance.NONE;

    Conventions() {
    }

    private static ObjectMapper defaultObjectMapper() {
        // Documents may hold fields an older entity class does not know; loading must not fail on them.
        return new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /** Whether new sessions start with optimistic concurrency on. Default {@code false}. */
    public boolean isDefaultUseOptimisticConcurrency() {
        return defaultUseOptimisticConcurrency;
    }

    /**
     * Sets whether new sessions start with optimistic concurrency on (a session may still change
     * it with {@code advanced().setUseOptimisticConcurrency}).
     *
     * @throws IllegalStateException after {@link DocumentStore#initialize()}
     */
    public void setDefaultUseOptimisticConcurrency(boolean value) {
        checkNotFrozen("DefaultUseOptimisticConcurrency");
        this.defaultUseOptimisticConcurrency = value;
    }

    /** How many requests one session may make before it fails. Default {@value #DEFAULT_MAX_REQUESTS_PER_SESSION}. */
    public int getMaxNumberOfRequestsPerSession() {
        return maxNumberOfRequestsPerSession;
    }

    /**
     * Sets how many requests one session may make; a guard against loads inside loops.
     *
     * @throws IllegalArgumentException when {@code value} is below 1
     * @throws IllegalStateException    after {@link DocumentStore#initialize()}
     */
    public void setMaxNumberOfRequestsPerSession(int value) {
        checkNotFrozen("MaxNumberOfRequestsPerSession");
        if (value < 1) {
            throw new IllegalArgumentException("MaxNumberOfRequestsPerSession must be at least 1, got " + value);
        }
        this.maxNumberOfRequestsPerSession = value;
    }

    /** The deadline of each call to a node. Default {@link #DEFAULT_REQUEST_TIMEOUT} (10 seconds). */
    public Duration getRequestTimeout() {
        return requestTimeout;
    }

    /**
     * Sets the deadline of each call to a node; a call that runs out of it counts as "node unreachable".
     *
     * @throws IllegalArgumentException when {@code value} is null, zero or negative
     * @throws IllegalStateException    after {@link DocumentStore#initialize()}
     */
    public void setRequestTimeout(Duration value) {
        checkNotFrozen("RequestTimeout");
        if (value == null || value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException("RequestTimeout must be positive, got " + value);
        }
        this.requestTimeout = value;
    }

    /**
     * The Jackson mapper that turns entities into documents and back. Its annotations apply, so
     * {@code @JsonIgnore} properties are not stored. Configure it before
     * {@link DocumentStore#initialize()}; it is shared by all sessions afterwards.
     */
    public ObjectMapper getObjectMapper() {
        return objectMapper;
    }

    /**
     * Replaces the Jackson mapper used for entities.
     *
     * @throws IllegalStateException after {@link DocumentStore#initialize()}
     */
    public void setObjectMapper(ObjectMapper value) {
        checkNotFrozen("ObjectMapper");
        this.objectMapper = Objects.requireNonNull(value, "objectMapper");
    }

    /**
     * The failover behaviors; {@link FailoverBehavior#ALLOW_READS_FROM_SECONDARIES} alone by
     * default. The set is unmodifiable.
     */
    public Set<FailoverBehavior> getFailoverBehavior() {
        return failoverPolicy.behaviors();
    }

    /** Whether {@code behavior} is one of the failover behaviors in force. */
    public boolean hasFailoverBehavior(FailoverBehavior behavior) {
        return failoverPolicy.behaviors().contains(behavior);
    }

    /**
     * Sets what the client does when a node does not answer (see {@link FailoverBehavior} for the
     * routing table). Behaviors combine, e.g. {@code READ_FROM_ALL_SERVERS} with
     * {@code ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES}; the call replaces the
     * previous set.
     *
     * @throws IllegalArgumentException when none is given, one is null, or
     *                                  {@code FAIL_IMMEDIATELY} is combined with another
     * @throws IllegalStateException    after {@link DocumentStore#initialize()}
     */
    public void setFailoverBehavior(FailoverBehavior... behaviors) {
        checkNotFrozen("FailoverBehavior");
        if (behaviors == null) {
            throw new IllegalArgumentException("give at least one FailoverBehavior");
        }
        this.failoverPolicy = FailoverPolicy.of(behaviors);
    }

    /** What a save does with an etag a replica issued. Default {@link ReplicaEtagPolicy#SEND_AS_IS}, the seeds' behaviour. */
    public ReplicaEtagPolicy getReplicaEtagPolicy() {
        return replicaEtagPolicy;
    }

    /**
     * @throws IllegalArgumentException when {@code value} is null
     * @throws IllegalStateException    after {@link DocumentStore#initialize()}
     * @see ReplicaEtagPolicy
     */
    public void setReplicaEtagPolicy(ReplicaEtagPolicy value) {
        checkNotFrozen("ReplicaEtagPolicy");
        this.replicaEtagPolicy = notNull("ReplicaEtagPolicy", value);
    }

    /**
     * How calls travel to the nodes. Default {@link TransportMode#EXCHANGE} (gets and writes over one
     * long-lived stream per node, folded under load), unless the system property
     * {@value TransportMode#PROPERTY} names another mode ({@code unary} or {@code exchange}).
     */
    public TransportMode getTransportMode() {
        return transportMode;
    }

    /**
     * @throws IllegalArgumentException when {@code value} is null
     * @throws IllegalStateException    after {@link DocumentStore#initialize()}
     * @see #getTransportMode()
     */
    public void setTransportMode(TransportMode value) {
        checkNotFrozen("TransportMode");
        this.transportMode = notNull("TransportMode", value);
    }

    /**
     * What every write waits for beyond the master, unless a session
     * ({@code advanced().waitForReplicationAfterSaveChanges}) or raw commands
     * ({@link DatabaseCommands#withWriteAssurance}) say otherwise. Default {@link WriteAssurance#NONE}:
     * a write returns once it is durable on the master.
     */
    public WriteAssurance getWriteAssurance() {
        return writeAssurance;
    }

    /**
     * @throws IllegalArgumentException when {@code value} is null
     * @throws IllegalStateException    after {@link DocumentStore#initialize()}
     * @see #getWriteAssurance()
     */
    public void setWriteAssurance(WriteAssurance value) {
        checkNotFrozen("WriteAssurance");
        this.writeAssurance = notNull("WriteAssurance", value);
    }

    FailoverPolicy failoverPolicy() {
        return failoverPolicy;
    }

    /**
     * How often nodes that did not answer are probed (a short {@code Stats} call); a node that
     * answers is used again, so the client returns to the master on its own. Default
     * {@link #DEFAULT_FAILED_NODE_PROBE_INTERVAL} (250 ms).
     */
    public Duration getFailedNodeProbeInterval() {
        return failedNodeProbeInterval;
    }

    /**
     * @throws IllegalArgumentException when {@code value} is null, zero or negative
     * @throws IllegalStateException    after {@link DocumentStore#initialize()}
     * @see #getFailedNodeProbeInterval()
     */
    public void setFailedNodeProbeInterval(Duration value) {
        checkNotFrozen("FailedNodeProbeInterval");
        this.failedNodeProbeInterval = positive("FailedNodeProbeInterval", value);
    }

    /**
     * How often the store asks the master for the cluster's replicas. Default
     * {@link #DEFAULT_TOPOLOGY_REFRESH_INTERVAL} (30 seconds); the first time is at initialize.
     */
    public Duration getTopologyRefreshInterval() {
        return topologyRefreshInterval;
    }

    /**
     * @throws IllegalArgumentException when {@code value} is null, zero or negative
     * @throws IllegalStateException    after {@link DocumentStore#initialize()}
     * @see #getTopologyRefreshInterval()
     */
    public void setTopologyRefreshInterval(Duration value) {
        checkNotFrozen("TopologyRefreshInterval");
        this.topologyRefreshInterval = positive("TopologyRefreshInterval", value);
    }

    /**
     * How long opening a connection to a node may take before the node counts as down (and, for
     * a probe, stays down). Default {@link #DEFAULT_CONNECT_TIMEOUT} (1 second). Also bounds each
     * probe's deadline.
     */
    public Duration getConnectTimeout() {
        return connectTimeout;
    }

    /**
     * @throws IllegalArgumentException when {@code value} is null, zero or negative
     * @throws IllegalStateException    after {@link DocumentStore#initialize()}
     * @see #getConnectTimeout()
     */
    public void setConnectTimeout(Duration value) {
        checkNotFrozen("ConnectTimeout");
        this.connectTimeout = positive("ConnectTimeout", value);
    }

    /**
     * Where the store keeps the last topology it knew (one file per master address), so that a
     * client started while the master is down still knows the replicas. Default
     * {@code ${java.io.tmpdir}/corvid-client}; {@code null} means no cache.
     */
    public Path getTopologyCacheDirectory() {
        return topologyCacheDirectory;
    }

    /**
     * @param value a directory (created when needed), or {@code null} to keep no cache
     * @throws IllegalStateException after {@link DocumentStore#initialize()}
     * @see #getTopologyCacheDirectory()
     */
    public void setTopologyCacheDirectory(Path value) {
        checkNotFrozen("TopologyCacheDirectory");
        this.topologyCacheDirectory = value;
    }

    private static Path defaultTopologyCacheDirectory() {
        return Path.of(System.getProperty("java.io.tmpdir"), "corvid-client");
    }

    private static <T> T notNull(String name, T value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        return value;
    }

    private static Duration positive(String name, Duration value) {
        if (value == null || value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
        return value;
    }

    /** The collection of an entity class: its simple name, pluralised ({@code Person} → {@code People}). */
    public String getCollectionName(Class<?> entityClass) {
        return Pluralizer.pluralize(entityClass.getSimpleName());
    }

    /** True once the store is initialized; the conventions can no longer change. */
    public boolean isFrozen() {
        return frozen;
    }

    void freeze() {
        frozen = true;
    }

    private void checkNotFrozen(String name) {
        if (frozen) {
            throw new IllegalStateException("Cannot set " + name + ": conventions freeze at initialize(). "
                    + "Set conventions before calling DocumentStore.initialize().");
        }
    }
}
