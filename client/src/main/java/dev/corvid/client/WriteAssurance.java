package dev.corvid.client;

import dev.corvid.proto.WriteOptions;
import java.time.Duration;
import java.util.Objects;

/**
 * How many replicas must have a write before the client returns from it: RavenDB's
 * {@code waitForReplicationAfterSaveChanges}, MongoDB's write concern. With it, the master answers
 * a write only once that many replicas have applied it and synced their own logs (they tell the
 * master on the replication stream, nothing polls), or once the timeout has passed; then the call
 * throws {@link ReplicationTimeoutException} unless {@link #isThrowOnTimeout()} is off. Either
 * way the write is durable on the master: a timeout does not undo it.
 *
 * <p>Set per session with {@code session.advanced().waitForReplicationAfterSaveChanges(o -> ...)},
 * for a store's raw commands with {@link DatabaseCommands#withWriteAssurance}, or as the store's
 * default with {@link Conventions#setWriteAssurance}. Immutable.
 *
 * <p>A failover write taken by a replica while the master is down cannot meet any assurance (a
 * replica pushes to no other node): it fails the assurance at once.
 */
public final class WriteAssurance {

    /** Default of {@link Builder#withTimeout}: 15 s, as in RavenDB. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(15);

    /** No assurance: a write returns once it is durable on the master. The default of {@link Conventions#getWriteAssurance()}. */
    public static final WriteAssurance NONE = new WriteAssurance(0, false, DEFAULT_TIMEOUT, true);

    private final int numberOfReplicas;
    private final boolean majority;
    private final Duration timeout;
    private final boolean throwOnTimeout;

    private WriteAssurance(int numberOfReplicas, boolean majority, Duration timeout, boolean throwOnTimeout) {
        this.numberOfReplicas = numberOfReplicas;
        this.majority = majority;
        this.timeout = timeout;
        this.throwOnTimeout = throwOnTimeout;
    }

    /** A builder with the defaults: one replica, no majority, {@link #DEFAULT_TIMEOUT}, throw on timeout. */
    public static Builder builder() {
        return new Builder();
    }

    /** Replicas that must have the write; 0 for none. */
    public int getNumberOfReplicas() {
        return numberOfReplicas;
    }

    /** Whether a majority of the cluster's nodes (the master counted) must have it, whatever {@link #getNumberOfReplicas()} says. */
    public boolean isMajority() {
        return majority;
    }

    /** How long the master waits for the replicas once the write is durable on it. */
    public Duration getTimeout() {
        return timeout;
    }

    /** Whether a write that was not on enough replicas in time throws {@link ReplicationTimeoutException}. */
    public boolean isThrowOnTimeout() {
        return throwOnTimeout;
    }

    /** Whether this asks for anything beyond the master. */
    public boolean isRequested() {
        return numberOfReplicas > 0 || majority;
    }

    /** The write options of one attempt of a write with this assurance. */
    WriteOptions toWire(boolean failoverWrite) {
        WriteOptions.Builder options = WriteOptions.newBuilder().setFailoverWrite(failoverWrite);
        if (isRequested()) {
            long micros = Math.max(1, timeout.toNanos() / 1_000);
            options.getAssuranceBuilder().setReplicas(numberOfReplicas).setMajority(majority).setTimeoutMicros(micros);
        }
        return options.build();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WriteAssurance w && w.numberOfReplicas == numberOfReplicas && w.majority == majority
                && w.timeout.equals(timeout) && w.throwOnTimeout == throwOnTimeout;
    }

    @Override
    public int hashCode() {
        return Objects.hash(numberOfReplicas, majority, timeout, throwOnTimeout);
    }

    @Override
    public String toString() {
        return isRequested() ? "WriteAssurance[" + (majority ? "majority, " : "") + numberOfReplicas + " replicas, "
                + timeout.toMillis() + " ms" + (throwOnTimeout ? ", throws on timeout" : "") + "]" : "WriteAssurance[none]";
    }

    /** Builds a {@link WriteAssurance}, in the shape of ravendb-jvm-client's {@code ReplicationWaitOptsBuilder}. */
    public static final class Builder {
        private int numberOfReplicas = 1;
        private boolean majority;
        private Duration timeout = DEFAULT_TIMEOUT;
        private boolean throwOnTimeout = true;

        private Builder() {
        }

        /**
         * How long the master waits for the replicas once the write is durable on it; default
         * {@link #DEFAULT_TIMEOUT}. A node refuses a wait over its
         * {@code replication.maxAssuranceWaitMillis} (default 60 s).
         *
         * @throws IllegalArgumentException when not positive
         */
        public Builder withTimeout(Duration value) {
            if (value == null || value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("a write assurance timeout must be positive, was " + value);
            }
            this.timeout = value;
            return this;
        }

        /**
         * Replicas that must have the write; default 1. More than the cluster has is refused by the
         * node before anything is written ({@link BadRequestException}).
         *
         * @throws IllegalArgumentException when negative
         */
        public Builder numberOfReplicas(int value) {
            if (value < 0) {
                throw new IllegalArgumentException("numberOfReplicas must be 0 or more, was " + value);
            }
            this.numberOfReplicas = value;
            return this;
        }

        /** Whether a majority of the cluster's nodes (the master counted as one) must have it; default false. */
        public Builder majority(boolean value) {
            this.majority = value;
            return this;
        }

        /** Whether a write not on enough replicas in time throws {@link ReplicationTimeoutException}; default true. */
        public Builder throwOnTimeout(boolean value) {
            this.throwOnTimeout = value;
            return this;
        }

        public WriteAssurance build() {
            return new WriteAssurance(numberOfReplicas, majority, timeout, throwOnTimeout);
        }
    }
}
