package dev.corvid.client.transport;

import com.google.common.util.concurrent.ListenableFuture;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.ClusterTopology;
import dev.corvid.proto.Command;
import dev.corvid.proto.DeleteRequest;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResponse;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.QueryRequest;
import dev.corvid.proto.QueryResponse;
import dev.corvid.proto.ReserveIdsRequest;
import dev.corvid.proto.ReserveIdsResponse;
import dev.corvid.proto.WriteResponse;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The default transport: Gets and writes travel over the node's one {@link ExchangeStream} and are
 * folded into shared calls when the node is busy ({@link CoalescingChannel}); a put or a delete is
 * a batch of that one command, so it takes the same path as a session's {@code saveChanges}. The
 * other calls (queries, id reservations, probes, topology) are unary RPCs.
 */
final class ExchangeTransport implements NodeTransport {

    private final CoalescingChannel multiplexer;
    private final UnaryTransport calls;

    /** @param deadlines runs the expiry of the Exchange stream's calls */
    ExchangeTransport(ManagedChannel connection, ScheduledExecutorService deadlines, KnownLimits limits) {
        this.multiplexer = new CoalescingChannel(connection, new ExchangeStream(connection, deadlines, limits), limits);
        this.calls = new UnaryTransport(multiplexer, connection, limits);
    }

    @Override
    public GetResponse get(GetRequest request, Deadline deadline) {
        return calls.get(request, deadline);
    }

    @Override
    public WriteResponse put(PutRequest request, Deadline deadline) {
        return calls.batch(BatchRequest.newBuilder().addCommands(Command.newBuilder().setPut(request.getPut()))
                .setOptions(request.getOptions()).build(), deadline);
    }

    @Override
    public WriteResponse delete(DeleteRequest request, Deadline deadline) {
        return calls.batch(BatchRequest.newBuilder().addCommands(Command.newBuilder().setDelete(request.getDelete()))
                .setOptions(request.getOptions()).build(), deadline);
    }

    @Override
    public WriteResponse batch(BatchRequest request, Deadline deadline) {
        return calls.batch(request, deadline);
    }

    @Override
    public QueryResponse query(QueryRequest request, Deadline deadline) {
        return calls.query(request, deadline);
    }

    @Override
    public ReserveIdsResponse reserveIds(ReserveIdsRequest request, Deadline deadline) {
        return calls.reserveIds(request, deadline);
    }

    @Override
    public ListenableFuture<NodeStats> stats(Deadline deadline) {
        return calls.stats(deadline);
    }

    @Override
    public ClusterTopology topology(Deadline deadline) {
        return calls.topology(deadline);
    }

    @Override
    public void reconnectNow() {
        calls.reconnectNow();
    }

    /** Ends the Exchange stream, failing the calls still waiting on it. */
    @Override
    public void close() {
        multiplexer.close();
    }
}
