package dev.corvid.node.cli;

import com.google.protobuf.ByteString;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.node.storage.LogStorage;
import dev.corvid.node.storage.StorageOptions;
import dev.corvid.node.storage.WriteBatch;
import dev.corvid.testing.CorvidTestCluster;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.Command;
import dev.corvid.proto.DeleteCommand;
import dev.corvid.proto.DigestPage;
import dev.corvid.proto.DigestRequest;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.WriteOptions;
import dev.corvid.probe.MultiProcess;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Digest RPC and the consistency check on real processes: a master A and a replica B. */
@MultiProcess
class ConsistencyCheckTest {

    @TempDir
    Path dir;

    private static DocumentsGrpc.DocumentsBlockingStub docs(ManagedChannel channel) {
        return DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static PutCommand put(String id, String body) {
        return PutCommand.newBuilder().setId(id).setMetadataJson(ByteString.copyFromUtf8("{\"@collection\":\"Things\"}")).setBodyJson(ByteString.copyFromUtf8(body)).build();
    }

    @Test
    void check_passesOnAReplicatedCluster_againOnceFailoverWritesFlowedBack_andNamesWhatAnOfflineEditMadeDiffer() throws Exception {
        try (CorvidTestCluster cluster = CorvidTestCluster.builder().directory(dir.resolve("cluster")).nodes(2).start()) {
            ManagedChannel a = NettyChannelBuilder.forTarget(cluster.address("A")).usePlaintext().build();
            ManagedChannel b = NettyChannelBuilder.forTarget(cluster.address("B")).usePlaintext().build();
            try {
                BatchRequest.Builder batch = BatchRequest.newBuilder();
                for (int i = 0; i < 25; i++) {
                    batch.addCommands(Command.newBuilder().setPut(put("things/" + i, "{\"n\":" + i + "}")));
                }
                docs(a).batch(batch.build());
                docs(a).batch(BatchRequest.newBuilder()
                        .addCommands(Command.newBuilder().setDelete(DeleteCommand.newBuilder().setId("things/3")))
                        .addCommands(Command.newBuilder().setPut(put("created-and-deleted", "{}")))
                        .build());
                docs(a).batch(BatchRequest.newBuilder()
                        .addCommands(Command.newBuilder().setDelete(DeleteCommand.newBuilder().setId("created-and-deleted")))
                        .build());

                List<DigestPage> pages = new ArrayList<>();
                Iterator<DigestPage> stream = docs(a).digest(DigestRequest.newBuilder().setPageSize(10).build());
                stream.forEachRemaining(pages::add);
                assertEquals(3, pages.size(), "26 ids in pages of 10");
                assertEquals(26, pages.get(0).getSnapshot().getEntries());
                assertTrue(pages.get(2).getLast());
                List<String> ids = pages.stream().flatMap(p -> p.getEntriesList().stream()).map(d -> d.getId()).toList();
                assertEquals(ids.stream().sorted().toList(), ids, "id order");

                ConsistencyReport ok = cluster.checkConsistency(Duration.ofSeconds(30));
                assertTrue(ok.consistent(), ok.summary());
                assertEquals(24, ok.replicas().get(0).liveDocuments(), ok.summary());

                // Failover writes (accepted by a replica only while the master is down) flow back to the
                // master once it is reachable: then the check passes again.
                cluster.kill("A");
                WriteOptions failover = WriteOptions.newBuilder().setFailoverWrite(true).build();
                await("B takes failover writes once A is gone").atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(50)).ignoreException(StatusRuntimeException.class)
                        .until(() -> docs(b).put(PutRequest.newBuilder().setPut(put("only-on-b", "{}")).setOptions(failover)
                                .build()).getWrittenToReplica());
                docs(b).put(PutRequest.newBuilder().setPut(put("things/7", "{\"n\":-7}")).setOptions(failover).build());
                cluster.restart("A");
                await("the failover writes are handed back and replicated").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(200))
                        .until(() -> cluster.checkConsistency(Duration.ofSeconds(5)).consistent());
                ConsistencyReport back = cluster.checkConsistency(Duration.ofSeconds(30));
                assertEquals(25, back.replicas().get(0).liveDocuments(), back.summary());
                assertEquals(0, back.openConflicts(), back.summary());

                // A replica whose data was changed behind the cluster's back (edited offline) differs.
                cluster.stop("B");
                try (LogStorage offline = LogStorage.open(new StorageOptions(cluster.dataDir("B"), 1 << 20))) {
                    offline.write(WriteBatch.builder().put("edited-on-b", "{\"@collection\":\"Things\"}", "{}", null)
                            .put("things/8", "{\"@collection\":\"Things\"}", "{\"n\":-8}", null).build());
                }
                cluster.restart("B");
                ConsistencyReport bad = cluster.checkConsistency(Duration.ofSeconds(30));
                assertFalse(bad.consistent(), bad.summary());
                DigestComparison.Result result = bad.replicas().get(0).result();
                assertEquals(List.of(0L, 1L, 1L), List.of(result.missing(), result.extra(), result.different()), bad.summary());
                assertTrue(bad.summary().contains("edited-on-b") && bad.summary().contains("things/8 (body)"), bad.summary());

                cluster.kill("B");
                ConsistencyReport down = cluster.checkConsistency(Duration.ofSeconds(1));
                assertTrue(down.summary().contains("replica B: NOT CHECKED"), down.summary());
            } finally {
                a.shutdownNow();
                b.shutdownNow();
            }
        }
    }
}
