package dev.corvid.node.rpc;

import dev.corvid.node.replication.Promotion;
import dev.corvid.proto.ClusterGrpc;
import dev.corvid.proto.PromoteRequest;
import dev.corvid.proto.PromoteResponse;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Executor;

/** The Cluster gRPC service: operator calls, run off the transport threads (a promotion waits). */
final class ClusterService extends ClusterGrpc.ClusterImplBase {

    private final Promotion promotion;
    private final Executor blocking;

    ClusterService(Promotion promotion, Executor blocking) {
        this.promotion = promotion;
        this.blocking = blocking;
    }

    @Override
    public void promote(PromoteRequest request, StreamObserver<PromoteResponse> out) {
        DocumentService.offload(blocking, out, () -> promotion.promote(request));
    }
}
