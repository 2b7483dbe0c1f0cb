package dev.corvid.node.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.corvid.node.CorvidNode;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.Limits;
import dev.corvid.node.config.ServingLimits;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.Command;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.ExchangeRequest;
import dev.corvid.proto.ExchangeResponse;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResponse;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.TopologyRequest;
import dev.corvid.proto.WireLimits;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A node tells its clients, in its Topology answer, the limits its cluster config gives it, and keeps to them. */
class WireLimitsTest {

    @TempDir
    Path dir;

    private static final String NODE = """
            {"name": "A", "host": "127.0.0.1", "port": 0, "dataDir": "A", "role": "master"}
            """;

    private static WireLimits topologyLimits(CorvidNode node) throws InterruptedException {
        ManagedChannel channel = NettyChannelBuilder.forTarget(node.address()).usePlaintext().build();
        try {
            return DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .topology(TopologyRequest.getDefaultInstance()).getLimits();
        } finally {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void topology_carriesTheDefaultLimits_ofANodeWhoseConfigSetsNone() throws Exception {
        try (CorvidNode node = CorvidNode.standalone(dir)) {
            WireLimits limits = topologyLimits(node);
            assertEquals(Limits.DEFAULT.maxDocumentBytes(), limits.getMaxDocumentBytes());
            assertEquals(Limits.DEFAULT.maxRequestBytes(), limits.getMaxRequestBytes());
            assertEquals(ServingLimits.DEFAULT.maxExchangeRequestBytes(), limits.getMaxExchangeRequestBytes());
            assertEquals(ServingLimits.DEFAULT.maxExchangeAnswerBytes(), limits.getMaxExchangeAnswerBytes());
            assertEquals(ServingLimits.DEFAULT.maxExchangeCalls(), limits.getMaxExchangeCalls());
            assertEquals(ServingLimits.DEFAULT.maxDirectGetIds(), limits.getMaxDirectGetIds());
            assertEquals(ServingLimits.DEFAULT.maxAnswerBytes(), limits.getMaxAnswerBytes());
        }
    }

    @Test
    void topology_carriesTheLimitsTheClusterConfigSets() throws Exception {
        ClusterConfig config = ClusterConfig.parse("{\"nodes\": [" + NODE + "],"
                + " \"limits\": {\"maxDocumentBytes\": 4096, \"maxRequestBytes\": 2097152},"
                + " \"serving\": {\"maxExchangeRequestBytes\": 65536, \"maxExchangeAnswerBytes\": 1048576,"
                + " \"maxExchangeCalls\": 100, \"maxDirectGetIds\": 8, \"maxAnswerBytes\": 3145728}}", dir, "test.json");
        try (CorvidNode node = CorvidNode.start(config, "A")) {
            assertEquals(WireLimits.newBuilder().setMaxDocumentBytes(4096).setMaxRequestBytes(2097152)
                    .setMaxExchangeRequestBytes(65536).setMaxExchangeAnswerBytes(1048576).setMaxExchangeCalls(100)
                    .setMaxDirectGetIds(8).setMaxAnswerBytes(3145728).build(), topologyLimits(node));
        }
    }

    /** A call over serving.maxExchangeRequestBytes is refused alone, without running; the stream goes on. */
    @Test
    void exchangeCall_overTheConfiguredSize_failsResourceExhaustedAlone_andIsNotRun() throws Exception {
        ClusterConfig config = ClusterConfig.parse("{\"nodes\": [" + NODE + "],"
                + " \"serving\": {\"maxExchangeRequestBytes\": 2048}}", dir, "test.json");
        try (CorvidNode node = CorvidNode.start(config, "A")) {
            ManagedChannel channel = NettyChannelBuilder.forTarget(node.address()).usePlaintext().build();
            try {
                ExchangeClient exchange = ExchangeClient.open(channel);
                StreamObserver<ExchangeRequest> calls = exchange.calls();
                calls.onNext(ExchangeRequest.newBuilder().setCallId(1).setBatch(put("wire/large", "x".repeat(3000))).build());
                calls.onNext(ExchangeRequest.newBuilder().setCallId(2).setBatch(put("wire/small", "x")).build());
                calls.onCompleted();

                assertEquals(Status.OK, exchange.ended().get(30, TimeUnit.SECONDS), "the stream ends once both calls are answered");
                Map<Long, ExchangeResponse> answers = new HashMap<>();
                exchange.answers().forEach(a -> answers.put(a.getCallId(), a));
                com.google.rpc.Status refused = answers.get(1L).getError();
                assertEquals(Status.Code.RESOURCE_EXHAUSTED.value(), refused.getCode(), refused.toString());
                assertTrue(refused.getMessage().contains("serving.maxExchangeRequestBytes"), refused.getMessage());
                assertTrue(answers.get(2L).hasWrite(), answers.get(2L).toString());
                GetResponse stored = DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .get(GetRequest.newBuilder().addIds("wire/large").addIds("wire/small").build());
                assertFalse(stored.getResults(0).getFound(), "the refused call was not run");
                assertTrue(stored.getResults(1).getFound());
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    private static BatchRequest put(String id, String padding) {
        return BatchRequest.newBuilder().addCommands(Command.newBuilder().setPut(PutCommand.newBuilder().setId(id)
                .setMetadataJson(ByteString.copyFromUtf8("{}"))
                .setBodyJson(ByteString.copyFromUtf8("{\"pad\":\"" + padding + "\"}")))).build();
    }
}
