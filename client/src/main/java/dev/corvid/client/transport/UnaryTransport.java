package dev.corvid.client.transport;

import com.google.common.util.concurrent.ListenableFuture;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.ClusterTopology;
import dev.corvid.proto.DeleteRequest;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResponse;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.QueryRequest;
import dev.corvid.proto.QueryResponse;
import dev.corvid.proto.ReserveIdsRequest;
import dev.corvid.proto.ReserveIdsResponse;
import dev.corvid.proto.StatsRequest;
import dev.corvid.proto.TopologyRequest;
import dev.corvid.proto.WriteResponse;
import io.grpc.Channel;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.util.function.BiFunction;

/**
 * Each call a unary RPC with its own gRPC deadline, on {@code calls}: the node's channel itself
 * (the unary transport), or a channel that carries some RPCs another way (the
 * {@link ExchangeTransport}'s {@link CoalescingChannel}, which keeps their unary meaning).
 */
final class UnaryTransport implements NodeTransport {

    private final Channel calls;
    private final ManagedChannel connection;
    private final KnownLimits limits;

    /**
     * @param calls      where the RPCs go
     * @param connection the node's channel underneath {@code calls}
     */
    UnaryTransport(Channel calls, ManagedChannel connection, KnownLimits limits) {
        this.calls = calls;
        this.connection = connection;
        this.limits = limits;
    }

    @Override
    public GetResponse get(GetRequest request, Deadline deadline) {
        return call(request, deadline, DocumentsGrpc.DocumentsBlockingStub::get);
    }

    @Override
    public WriteResponse put(PutRequest request, Deadline deadline) {
        return call(request, deadline, DocumentsGrpc.DocumentsBlockingStub::put);
    }

    @Override
    public WriteResponse delete(DeleteRequest request, Deadline deadline) {
        return call(request, deadline, DocumentsGrpc.DocumentsBlockingStub::delete);
    }

    @Override
    public WriteResponse batch(BatchRequest request, Deadline deadline) {
        return call(request, deadline, DocumentsGrpc.DocumentsBlockingStub::batch);
    }

    @Override
    public QueryResponse query(QueryRequest request, Deadline deadline) {
        return call(request, deadline, DocumentsGrpc.DocumentsBlockingStub::query);
    }

    @Override
    public ReserveIdsResponse reserveIds(ReserveIdsRequest request, Deadline deadline) {
        return call(request, deadline, DocumentsGrpc.DocumentsBlockingStub::reserveIds);
    }

    @Override
    public ListenableFuture<NodeStats> stats(Deadline deadline) {
        return DocumentsGrpc.newFutureStub(calls).withDeadline(deadline).stats(StatsRequest.getDefaultInstance());
    }

    @Override
    public ClusterTopology topology(Deadline deadline) {
        ClusterTopology topology = call(TopologyRequest.getDefaultInstance(), deadline, DocumentsGrpc.DocumentsBlockingStub::topology);
        limits.learn(topology);
        return topology;
    }

    @Override
    public void reconnectNow() {
        connection.resetConnectBackoff();
    }

    @Override
    public void close() {
        // nothing of its own: the channel is its owner's
    }

    /** Runs one RPC with the deadline, the answer size the node's limits allow, and a {@link SendTracker}. */
    private <Q, A> A call(Q request, Deadline deadline, BiFunction<DocumentsGrpc.DocumentsBlockingStub, Q, A> rpc) {
        SendTracker tracker = new SendTracker();
        DocumentsGrpc.DocumentsBlockingStub stub = DocumentsGrpc.newBlockingStub(calls)
                .withInterceptors(tracker.interceptor())
                .withDeadline(deadline)
                .withMaxInboundMessageSize(limits.current().maxAnswerBytes());
        try {
            return rpc.apply(stub, request);
        } catch (StatusRuntimeException e) {
            throw tracker.failure(e);
        }
    }
}
