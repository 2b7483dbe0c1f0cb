package dev.corvid.probe;

import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.corvid.proto.ClusterTopology;
import dev.corvid.proto.Document;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResult;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.StatsRequest;
import dev.corvid.proto.TopologyRequest;
import io.grpc.ConnectivityState;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One node as a test sees it from outside: a plaintext channel of its own and the node's answers
 * to the Documents service, raw (no client, no failover, no retry), so what the probe reports is
 * that node's own word. Every call has the probe's call deadline; a call the node does not answer
 * throws the {@link StatusRuntimeException} gRPC gives. Closing the probe closes its channel.
 * Safe for use by several threads.
 */
public final class NodeProbe implements AutoCloseable {

    /** The call deadline unless the constructor says otherwise: room for a large batch on a busy small machine. */
    public static final Duration DEFAULT_CALL_DEADLINE = Duration.ofSeconds(30);
    /** Ids per Get call in {@link #get(List)}: a longer list goes in several calls, each under the node's answer limit. */
    static final int IDS_PER_GET = 1000;
    /** Answers up to this size are taken: the probe must never be what limits a test. */
    private static final int MAX_INBOUND_BYTES = 64 << 20;
    /** How often {@link #awaitServing} asks. */
    private static final Duration SERVING_POLL = Duration.ofMillis(5);

    private final String name;
    private final String address;
    private final Duration callDeadline;
    private final ManagedChannel channel;

    /** A probe of the node {@code name} at {@code address} ({@code host:port}), with the {@link #DEFAULT_CALL_DEADLINE}. */
    public NodeProbe(String name, String address) {
        this(name, address, DEFAULT_CALL_DEADLINE);
    }

    /** A probe whose every call fails {@code DEADLINE_EXCEEDED} after {@code callDeadline}. */
    public NodeProbe(String name, String address, Duration callDeadline) {
        this(name, address, callDeadline, InsecureChannelCredentials.create());
    }

    /** {@link #NodeProbe(String, String, Duration)} with {@code credentials} (e.g. TLS with a client certificate). */
    public NodeProbe(String name, String address, Duration callDeadline, ChannelCredentials credentials) {
        if (callDeadline.isNegative() || callDeadline.isZero()) {
            throw new IllegalArgumentException("the call deadline must be positive, got " + callDeadline);
        }
        this.name = name;
        this.address = address;
        this.callDeadline = callDeadline;
        this.channel = NettyChannelBuilder.forTarget(address, credentials).maxInboundMessageSize(MAX_INBOUND_BYTES).build();
    }

    /** The node's name in the cluster config, e.g. {@code "A"}. */
    public String name() {
        return name;
    }

    /** {@code host:port}. */
    public String address() {
        return address;
    }

    /**
     * The channel, for calls the probe does not make itself (another service, a stream made by
     * hand). When the last connect failed (the node was killed, or is starting again) the next
     * call connects at once instead of waiting out gRPC's reconnect backoff.
     */
    public ManagedChannel channel() {
        if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
            channel.resetConnectBackoff();
        }
        return channel;
    }

    /** A blocking Documents stub whose calls have the probe's deadline, counted from now: take a new one per call. */
    public DocumentsGrpc.DocumentsBlockingStub documents() {
        return DocumentsGrpc.newBlockingStub(channel()).withDeadlineAfter(callDeadline.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** The node's counters and identity (the Stats call). */
    public NodeStats stats() {
        return documents().stats(StatsRequest.getDefaultInstance());
    }

    /** {@link #stats()}, or empty when the node does not answer (down, stopping, paused past the deadline). */
    public Optional<NodeStats> statsIfAnswering() {
        try {
            return Optional.of(stats());
        } catch (StatusRuntimeException e) {
            return Optional.empty();
        }
    }

    /** The cluster as this node knows it (the Topology call). */
    public ClusterTopology topology() {
        return documents().topology(TopologyRequest.getDefaultInstance());
    }

    /**
     * The node's record of each id, in order; a missing or deleted document as not found. Any
     * number of ids: they go in calls of {@value #IDS_PER_GET}.
     */
    public List<GetResult> get(List<String> ids) {
        List<GetResult> out = new ArrayList<>(ids.size());
        for (int from = 0; from < ids.size(); from += IDS_PER_GET) {
            out.addAll(documents().get(GetRequest.newBuilder()
                    .addAllIds(ids.subList(from, Math.min(ids.size(), from + IDS_PER_GET))).build()).getResultsList());
        }
        return out;
    }

    /** The node's current version of document {@code id}; empty when it has none (or only a tombstone). */
    public Optional<Document> find(String id) {
        GetResult result = get(List.of(id)).get(0);
        return result.getFound() ? Optional.of(result.getDocument()) : Optional.empty();
    }

    /**
     * Whether this node, a replica, has applied the master's change {@code masterEtag} or a later
     * one, by its own Stats: a replica applies the master's changes in order, each batch together
     * with its "last applied", so it then serves that version of the document (or a later one).
     *
     * @param masterEtag an etag the master issued (its 16 bytes, as the wire carries them)
     * @throws IllegalArgumentException when {@code masterEtag} is empty
     */
    public boolean hasApplied(ByteString masterEtag) {
        return MasterEtags.atOrAfter(stats().getLastAppliedMasterEtag(), masterEtag);
    }

    /**
     * Waits until the node has document {@code id}, asking every {@code pollInterval} in the
     * calling thread; a failed call counts as "not yet". Returns as soon as the answer that has it
     * arrives, so a caller may time the wait.
     *
     * @return the node's version of the document
     * @throws ConditionTimeoutException when it has not within {@code deadline} (plus at most one call deadline)
     */
    public Document awaitDocument(String id, Duration deadline, Duration pollInterval) {
        return await("node " + name + " has document " + id)
                .atMost(deadline).pollInSameThread().pollDelay(Duration.ZERO).pollInterval(pollInterval).ignoreExceptions()
                .until(() -> find(id), Optional::isPresent)
                .orElseThrow();
    }

    /**
     * Waits until the node answers a Stats call (it is up and serving, e.g. after a restart),
     * asking every 5 ms in the calling thread. Returns as soon as the first answer arrives.
     *
     * @throws ConditionTimeoutException when it has not answered within {@code deadline}
     */
    public void awaitServing(Duration deadline) {
        await("node " + name + " (" + address + ") serving")
                .atMost(deadline).pollInSameThread().pollDelay(Duration.ZERO).pollInterval(SERVING_POLL)
                .until(() -> statsIfAnswering().isPresent());
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }

    @Override
    public String toString() {
        return name + " (" + address + ")";
    }
}
