package dev.corvid.client.transport;

import com.google.common.util.concurrent.ListenableFuture;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.ClusterTopology;
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

/**
 * Every call the client makes to one node. Two implementations, chosen per store
 * ({@link Connections}): plain unary gRPC calls, one HTTP/2 stream each, and the default, which
 * carries Gets and writes over the node's one long-lived {@code Exchange} stream and folds
 * concurrent ones into shared calls when the node is busy. Which one a call takes changes its cost,
 * never its outcome.
 *
 * <p>The contract, the same for both:
 * <ul>
 *   <li>a call answers what the unary RPC of the same name answers, or throws
 *       {@link CallFailedException} with the status that RPC would fail with, details included;</li>
 *   <li>{@code deadline} is the time the caller waits: the node is told how much of it is left when
 *       the call is sent (a gRPC deadline, or {@code ExchangeRequest.timeout_micros}) and does not
 *       start the call once it is out; here the call fails {@code DEADLINE_EXCEEDED} when it runs
 *       out, and an answer that comes later is dropped;</li>
 *   <li>a failure says whether the request provably never left the client
 *       ({@link CallFailedException#provablyUnsent()}, decided by {@link SendTracker} alone): only
 *       then may a write be sent to another node;</li>
 *   <li>{@code put} and {@code delete} have the semantics of the {@code Put} and {@code Delete}
 *       RPCs (the Exchange transport sends them as one-command batches, which the node applies
 *       the same way, errors and all);</li>
 *   <li>requests are sized by the node's limits as the client knows them ({@link KnownLimits}),
 *       which a {@link #topology} answer updates.</li>
 * </ul>
 * Thread-safe; calls block the calling thread, except {@link #stats}.
 */
public interface NodeTransport extends AutoCloseable {

    /** Loads documents by id: one result per id, in order. */
    GetResponse get(GetRequest request, Deadline deadline);

    /** Stores one document. */
    WriteResponse put(PutRequest request, Deadline deadline);

    /** Deletes one document. */
    WriteResponse delete(DeleteRequest request, Deadline deadline);

    /** Applies puts and deletes atomically. */
    WriteResponse batch(BatchRequest request, Deadline deadline);

    /** Scans a collection; {@code NOT_FOUND} for a collection the node never stored. */
    QueryResponse query(QueryRequest request, Deadline deadline);

    /** Reserves a range of id numbers (the master only). */
    ReserveIdsResponse reserveIds(ReserveIdsRequest request, Deadline deadline);

    /** The node's counters, without blocking: what a health probe asks. */
    ListenableFuture<NodeStats> stats(Deadline deadline);

    /** The cluster as the node knows it; its {@code limits} become the ones calls are sized by. */
    ClusterTopology topology(Deadline deadline);

    /** Connects again at once if the connection to the node is waiting out a reconnect backoff. */
    void reconnectNow();

    /** Ends what this transport holds open to the node (not the channel, which its owner shuts down). */
    @Override
    void close();
}
