package dev.corvid.client;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Objects;

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

    private volatile boolean frozen;
    private volatile boolean defaultUseOptimisticConcurrency;
    private volatile int maxNumberOfRequestsPerSession = DEFAULT_MAX_REQUESTS_PER_SESSION;
    private volatile Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private volatile ObjectMapper objectMapper = defaultObjectMapper();

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
