package dev.corvid.node.rpc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.corvid.node.CorvidNode;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.Limits;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.config.ReplicationSettings;
import dev.corvid.node.config.ServingLimits;
import dev.corvid.node.config.StorageSettings;
import dev.corvid.probe.Ports;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.NotMaster;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.ReserveIdsRequest;
import dev.corvid.proto.StatsRequest;
import dev.corvid.proto.WriteOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplicaRoleTest {

    private static final long MASTER_TIMEOUT_MS = 2_000;

    @TempDir
    Path dir;

    @Test
    void replica_refusesClientWrites_namingTheMaster_butTakesFailoverWritesOnceItHasWaitedOutTheMasterTimeout()
            throws Exception {
        // Nobody listens on the master's port: the replica never hears from it.
        ClusterConfig cluster = new ClusterConfig("roles", List.of(
                new NodeConfig("A", "127.0.0.1", Ports.freePort(), dir.resolve("A"), NodeConfig.Role.MASTER),
                new NodeConfig("B", "127.0.0.1", 0, dir.resolve("B"), NodeConfig.Role.REPLICA)), Limits.DEFAULT, null,
                StorageSettings.DEFAULT, new ReplicationSettings(Duration.ofMillis(500), Duration.ofMillis(MASTER_TIMEOUT_MS)),
                ServingLimits.DEFAULT);
        String masterAddress = cluster.master().address();
        try (CorvidNode replica = CorvidNode.start(cluster, "B")) {
            ManagedChannel channel = NettyChannelBuilder.forTarget(replica.address()).usePlaintext().build();
            try {
                DocumentsGrpc.DocumentsBlockingStub docs = DocumentsGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(30, TimeUnit.SECONDS);
                PutCommand put = PutCommand.newBuilder().setId("people/1").setBodyJson(ByteString.copyFromUtf8("{}")).build();
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                        () -> docs.put(PutRequest.newBuilder().setPut(put).build()));
                assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
                assertTrue(e.getStatus().getDescription().contains(masterAddress), e.getStatus().getDescription());
                NotMaster detail = null;
                for (Any any : StatusProto.fromThrowable(e).getDetailsList()) {
                    if (any.is(NotMaster.class)) {
                        detail = any.unpack(NotMaster.class);
                    }
                }
                assertEquals(masterAddress, detail.getMasterAddress());
                assertEquals("A", detail.getMasterName());
                assertFalse(docs.get(GetRequest.newBuilder().addIds("people/1").build()).getResults(0).getFound());
                assertThrows(StatusRuntimeException.class, () -> docs.reserveIds(
                        ReserveIdsRequest.newBuilder().setCollection("People").setCount(1).build()));

                // Until the master timeout has passed since its start it has not had time to hear
                // from its master (MasterLivenessTest pins the timing): failover writes only after.
                PutRequest failoverPut = PutRequest.newBuilder().setPut(put)
                        .setOptions(WriteOptions.newBuilder().setFailoverWrite(true)).build();
                await("failover write taken once the master timeout has passed")
                        .atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                        .until(() -> {
                            try {
                                return docs.put(failoverPut).getWrittenToReplica();
                            } catch (StatusRuntimeException refused) {
                                assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
                                assertTrue(refused.getStatus().getDescription().contains("has not heard from it yet"),
                                        refused.getStatus().getDescription());
                                return false;
                            }
                        });
                assertTrue(docs.get(GetRequest.newBuilder().addIds("people/1").build()).getResults(0).getFound());
                assertEquals("replica", docs.stats(StatsRequest.getDefaultInstance()).getRole());
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
