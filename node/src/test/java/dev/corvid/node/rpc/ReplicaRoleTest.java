package dev.corvid.node.rpc;

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
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.NotMaster;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.ReserveIdsRequest;
import dev.corvid.proto.StatsRequest;
import dev.corvid.proto.WriteOptions;
import dev.corvid.proto.WriteResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplicaRoleTest {

    @TempDir
    Path dir;

    @Test
    void replica_refusesClientWrites_namingTheMaster_butTakesFailoverWrites() throws Exception {
        ClusterConfig cluster = new ClusterConfig("roles", List.of(
                new NodeConfig("A", "127.0.0.1", 7999, dir.resolve("A"), NodeConfig.Role.MASTER),
                new NodeConfig("B", "127.0.0.1", 0, dir.resolve("B"), NodeConfig.Role.REPLICA)), Limits.DEFAULT);
        try (CorvidNode replica = CorvidNode.start(cluster, "B")) {
            ManagedChannel channel = NettyChannelBuilder.forTarget(replica.address()).usePlaintext().build();
            try {
                DocumentsGrpc.DocumentsBlockingStub docs = DocumentsGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(30, TimeUnit.SECONDS);
                PutCommand put = PutCommand.newBuilder().setId("people/1").setBodyJson(ByteString.copyFromUtf8("{}")).build();
                StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                        () -> docs.put(PutRequest.newBuilder().setPut(put).build()));
                assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
                assertTrue(e.getStatus().getDescription().contains("127.0.0.1:7999"), e.getStatus().getDescription());
                NotMaster detail = null;
                for (Any any : StatusProto.fromThrowable(e).getDetailsList()) {
                    if (any.is(NotMaster.class)) {
                        detail = any.unpack(NotMaster.class);
                    }
                }
                assertEquals("127.0.0.1:7999", detail.getMasterAddress());
                assertEquals("A", detail.getMasterName());
                assertFalse(docs.get(GetRequest.newBuilder().addIds("people/1").build()).getResults(0).getFound());
                assertThrows(StatusRuntimeException.class, () -> docs.reserveIds(
                        ReserveIdsRequest.newBuilder().setCollection("People").setCount(1).build()));

                WriteResponse failover = docs.put(PutRequest.newBuilder().setPut(put)
                        .setOptions(WriteOptions.newBuilder().setFailoverWrite(true)).build());
                assertTrue(failover.getWrittenToReplica());
                assertTrue(docs.get(GetRequest.newBuilder().addIds("people/1").build()).getResults(0).getFound());
                assertEquals("replica", docs.stats(StatsRequest.getDefaultInstance()).getRole());
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
