package dev.corvid.client.routing;

import dev.corvid.client.transport.NodeTransport;
import io.grpc.Deadline;

/**
 * One call, run by {@link RequestExecutor} on the node it chose.
 *
 * @param <R> the answer
 */
@FunctionalInterface
public interface NodeCall<R> {

    /**
     * @param node     the chosen node's transport; its calls may throw
     *                 {@link dev.corvid.client.transport.CallFailedException}, which the executor maps
     * @param deadline the deadline of this attempt, to pass to every call on {@code node}
     * @param target   the chosen node and whether a write must be flagged as a failover write
     */
    R call(NodeTransport node, Deadline deadline, Target target);

    /**
     * The node a call goes to.
     *
     * @param address       {@code host:port}
     * @param master        whether it is the master
     * @param failoverWrite whether a write must carry {@code WriteOptions.failover_write}
     */
    record Target(String address, boolean master, boolean failoverWrite) {
    }
}
