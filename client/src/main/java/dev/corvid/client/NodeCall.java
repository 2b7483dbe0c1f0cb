package dev.corvid.client;

import dev.corvid.proto.DocumentsGrpc;

/**
 * One RPC, run by {@link RequestExecutor} on the node it chose.
 *
 * @param <R> the answer
 */
@FunctionalInterface
interface NodeCall<R> {

    /**
     * @param stub   a stub on the chosen node that already carries the deadline; the call may
     *               throw {@link io.grpc.StatusRuntimeException}, which the executor maps
     * @param target the chosen node and whether a write must be flagged as a failover write
     */
    R call(DocumentsGrpc.DocumentsBlockingStub stub, Target target);

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
