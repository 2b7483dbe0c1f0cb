package dev.corvid.node.rpc;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.storage.BadRequestException;
import dev.corvid.proto.WriteAssurance;
import dev.corvid.proto.WriteOptions;
import java.time.Duration;

/**
 * What a write's {@code WriteOptions.assurance} asks of this cluster: how many replicas must have
 * durably applied it before the master answers, and for how long the master waits for them.
 *
 * @param replicas 0 when the write asks for no replica
 * @param timeout  the longest wait; meaningless when {@code replicas} is 0
 */
record AssuranceAsked(int replicas, Duration timeout) {

    static final AssuranceAsked NONE = new AssuranceAsked(0, Duration.ZERO);

    /**
     * Reads the assurance of a write, checked against the cluster config before anything is written.
     *
     * @throws BadRequestException (INVALID_ARGUMENT) for a negative count, more replicas than the
     *                             config names, no wait, or a wait over
     *                             {@code replication.maxAssuranceWaitMillis}
     */
    static AssuranceAsked of(WriteOptions options, ClusterConfig cluster) {
        if (!options.hasAssurance()) {
            return NONE;
        }
        WriteAssurance a = options.getAssurance();
        int available = cluster.nodes().size() - 1; // every node but the master, whichever it is
        if (a.getReplicas() < 0) {
            throw new BadRequestException("write assurance asks for " + a.getReplicas() + " replicas; ask for 0 or more");
        }
        int majority = a.getMajority() ? cluster.nodes().size() / 2 : 0;
        int replicas = Math.max(a.getReplicas(), majority);
        if (replicas > available) {
            throw new BadRequestException("write assurance asks for " + replicas + " replicas, but cluster '" + cluster.name()
                    + "' has " + available + "; nothing was written");
        }
        if (replicas == 0) {
            return NONE;
        }
        Duration max = cluster.replication().maxAssuranceWait();
        if (a.getTimeoutMicros() == 0 || a.getTimeoutMicros() > max.toNanos() / 1_000) {
            throw new BadRequestException("write assurance waits " + a.getTimeoutMicros() + " µs for replicas; it must"
                    + " wait at least 1 µs and at most replication.maxAssuranceWaitMillis (" + max.toMillis()
                    + " ms); nothing was written");
        }
        return new AssuranceAsked(replicas, Duration.ofNanos(a.getTimeoutMicros() * 1_000));
    }
}
