package dev.corvid.node.replication;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.corvid.node.storage.Etag;
import dev.corvid.testing.CorvidTestCluster;
import dev.corvid.node.wire.WireEtag;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.ClusterTopology;
import dev.corvid.proto.Command;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.GetResult;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.PutCommand;
import dev.corvid.probe.ClusterProbe;
import io.grpc.ManagedChannel;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;

/**
 * The replication tests' view of a {@link CorvidTestCluster}: a {@link ClusterProbe} on every node, plus
 * what only the node's tests need (master etags as {@link Etag}s, a replica's {@code @source-etag}).
 */
final class ClusterClient implements AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();

    private final ClusterProbe probe;

    ClusterClient(CorvidTestCluster cluster) {
        this.probe = new ClusterProbe(cluster.addresses());
    }

    ManagedChannel channel(String node) {
        return probe.node(node).channel();
    }

    DocumentsGrpc.DocumentsBlockingStub docs(String node) {
        return probe.node(node).documents();
    }

    /** Puts {@code count} new documents {@code prefix/from..} in one batch; returns their master etags. */
    List<Etag> putMany(String prefix, int from, int count, String bodyJson) {
        BatchRequest.Builder batch = BatchRequest.newBuilder();
        for (int i = from; i < from + count; i++) {
            batch.addCommands(Command.newBuilder().setPut(PutCommand.newBuilder().setId(prefix + "/" + i)
                    .setMetadataJson(ByteString.copyFromUtf8("{\"@collection\":\"Replicated\"}")).setBodyJson(ByteString.copyFromUtf8(bodyJson))
                    .setExpectedEtag(WireEtag.bytes(Etag.EMPTY))));
        }
        return docs("A").batch(batch.build()).getResultsList().stream().map(r -> WireEtag.etag(r.getEtag())).toList();
    }

    /** The documents of {@code ids} on {@code node}, in order; missing ones as not found. */
    List<GetResult> get(String node, List<String> ids) {
        return probe.node(node).get(ids);
    }

    NodeStats stats(String node) {
        return probe.node(node).stats();
    }

    ClusterTopology topology(String node) {
        return probe.node(node).topology();
    }

    /** Waits until the master reports every replica connected and nothing behind. */
    void awaitReplicasCaughtUp(Duration deadline) {
        probe.awaitReplicasCaughtUp(deadline);
    }

    /** The change counter of the last etag {@code node} issued: how many changes it ever stamped. */
    long changesStamped(String node) {
        ByteString last = stats(node).getLastEtag();
        return last.isEmpty() ? 0 : WireEtag.etag(last).change();
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
        probe.close();
    }
}
