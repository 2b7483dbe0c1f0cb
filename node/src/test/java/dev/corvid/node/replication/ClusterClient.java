package dev.corvid.node.replication;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.testing.TestCluster;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.ClusterTopology;
import dev.corvid.proto.Command;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResult;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.StatsRequest;
import dev.corvid.proto.TopologyRequest;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** gRPC clients for every node of a {@link TestCluster}, with the reads the replication tests share. */
final class ClusterClient implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final int SLICE = 1000;

    private final TestCluster cluster;
    private final Map<String, ManagedChannel> channels = new LinkedHashMap<>();

    ClusterClient(TestCluster cluster) {
        this.cluster = cluster;
        cluster.nodes().forEach(n -> channels.put(n,
                NettyChannelBuilder.forTarget(cluster.address(n)).usePlaintext().maxInboundMessageSize(64 << 20).build()));
    }

    ManagedChannel channel(String node) {
        ManagedChannel channel = channels.get(node);
        // After a node restarts, do not wait out the channel's reconnect backoff.
        if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
            channel.resetConnectBackoff();
        }
        return channel;
    }

    DocumentsGrpc.DocumentsBlockingStub docs(String node) {
        return DocumentsGrpc.newBlockingStub(channel(node)).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** Puts {@code count} new documents {@code prefix/from..} in one batch; returns their master etags. */
    List<Etag> putMany(String prefix, int from, int count, String bodyJson) {
        BatchRequest.Builder batch = BatchRequest.newBuilder();
        for (int i = from; i < from + count; i++) {
            batch.addCommands(Command.newBuilder().setPut(PutCommand.newBuilder().setId(prefix + "/" + i)
                    .setMetadataJson(ByteString.copyFromUtf8("{\"@collection\":\"Replicated\"}")).setBodyJson(ByteString.copyFromUtf8(bodyJson))
                    .setExpectedEtag(Etag.EMPTY.toString())));
        }
        return docs("A").batch(batch.build()).getResultsList().stream().map(r -> Etag.parse(r.getEtag())).toList();
    }

    /** The documents of {@code ids} on {@code node}, in order; missing ones as not found. */
    List<GetResult> get(String node, List<String> ids) {
        List<GetResult> out = new ArrayList<>(ids.size());
        for (int from = 0; from < ids.size(); from += SLICE) {
            out.addAll(docs(node).get(GetRequest.newBuilder()
                    .addAllIds(ids.subList(from, Math.min(ids.size(), from + SLICE))).build()).getResultsList());
        }
        return out;
    }

    NodeStats stats(String node) {
        return docs(node).stats(StatsRequest.getDefaultInstance());
    }

    ClusterTopology topology(String node) {
        return docs(node).topology(TopologyRequest.getDefaultInstance());
    }

    /** Waits until the master reports every replica connected and nothing behind. */
    void awaitReplicasCaughtUp(Duration deadline) {
        await("replicas caught up with the master").atMost(deadline).pollInterval(Duration.ofMillis(50))
                .ignoreExceptions()
                .until(() -> topology("A").getReplicasList().stream()
                        .allMatch(r -> r.getConnected() && r.hasChangesBehind() && r.getChangesBehind() == 0));
    }

    /** The change counter of the last etag {@code node} issued: how many changes it ever stamped. */
    long changesStamped(String node) {
        String last = stats(node).getLastEtag();
        return last.isEmpty() ? 0 : Etag.parse(last).change();
    }

    static JsonNode metadata(GetResult result) {
        try {
            return JSON.readTree(result.getDocument().getMetadataJson().toStringUtf8());
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Etag sourceEtag(GetResult result) {
        return Etag.parse(metadata(result).path("@source-etag").asText());
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
    }
}
