package dev.corvid.node.rpc;

import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.ReplicationGrpc;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;

/**
 * What the node's standard gRPC health service says, and why: SERVING once the server is up,
 * NOT_SERVING for good once storage can take no more writes (a failed disk write or sync), so
 * clients and load balancers stop sending it traffic, and NOT_SERVING while it stops.
 */
final class NodeHealth {

    private final HealthStatusManager manager = new HealthStatusManager();
    // Guarded by "this".
    private String reason = "starting";
    private boolean terminal;

    HealthStatusManager manager() {
        return manager;
    }

    synchronized void serving() {
        if (!terminal && reason != null && reason.equals("starting")) {
            reason = null;
            set(ServingStatus.SERVING);
        }
    }

    /** From now on the node reports NOT_SERVING with {@code why}; a later call keeps the first reason. */
    synchronized void notServing(String why) {
        if (reason == null || reason.equals("starting")) {
            reason = why;
        }
        set(ServingStatus.NOT_SERVING);
    }

    /** The node stops: NOT_SERVING, and no status changes after this. */
    synchronized void stopping() {
        if (reason == null) {
            reason = "stopping";
        }
        terminal = true;
        manager.enterTerminalState();
    }

    /** Empty while the node serves, else why it does not. */
    synchronized String reason() {
        return reason == null ? "" : reason;
    }

    synchronized boolean isServing() {
        return reason == null;
    }

    private void set(ServingStatus status) {
        if (terminal) {
            return;
        }
        manager.setStatus("", status);
        manager.setStatus(DocumentsGrpc.SERVICE_NAME, status);
        manager.setStatus(ReplicationGrpc.SERVICE_NAME, status);
    }
}
