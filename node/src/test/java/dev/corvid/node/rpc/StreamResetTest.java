package dev.corvid.node.rpc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.corvid.node.CorvidNode;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.Command;
import dev.corvid.proto.DigestPage;
import dev.corvid.proto.DigestRequest;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.ExchangeRequest;
import dev.corvid.proto.ExchangeResponse;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over the real (Netty) transport: a stream whose reader takes nothing is reset on the wire
 * (RST_STREAM), so its client learns of it without reading, and the node's transport drops the
 * data it held. Trailers would wait behind that data for ever.
 */
class StreamResetTest {

    @TempDir
    Path dir;

    @Test
    void sentinels_areNoMessageTheNodeWouldSend() {
        assertNotSame(ExchangeResponse.getDefaultInstance(), StreamReset.EXCHANGE);
        assertNotSame(DigestPage.getDefaultInstance(), StreamReset.DIGEST);
    }

    private CorvidNode start(String serving) {
        return CorvidNode.start(ClusterConfig.parse("{\"nodes\": [{\"name\": \"A\", \"host\": \"127.0.0.1\", \"port\": 0,"
                + " \"dataDir\": \"A\", \"role\": \"master\"}], \"serving\": {" + serving + "}}", dir, "test config"), "A");
    }

    @Test
    void stalledExchangeReader_isResetOnTheWire_andWhatTheNodeHeldNeverReachesIt() throws Exception {
        try (CorvidNode node = start("\"readerStallMillis\": 1000")) {
            ManagedChannel channel = NettyChannelBuilder.forTarget(node.address()).usePlaintext()
                    .maxInboundMessageSize(64 * 1024 * 1024).build();
            try {
                String big = "{\"pad\": \"" + "x".repeat(3 * 1024 * 1024) + "\"}";
                DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                        .setPut(PutCommand.newBuilder().setId("big/1").setBodyJson(ByteString.copyFromUtf8(big))).build());
                // 30 MiB of answers; the client's window takes 1 MiB, the rest waits on the node.
                Stalled<ExchangeRequest, ExchangeResponse> exchange = new Stalled<>(channel, DocumentsGrpc.getExchangeMethod());
                for (int i = 0; i < 10; i++) {
                    exchange.call.sendMessage(ExchangeRequest.newBuilder().setCallId(i)
                            .setGet(GetRequest.newBuilder().addIds("big/1")).build());
                }
                // The transport closes a stream on RST_STREAM (a close with trailers would wait behind the answers).
                await("the node resets the stream").atMost(Duration.ofSeconds(30)).until(() -> !exchange.call.isReady());
                exchange.call.request(Integer.MAX_VALUE);
                Status status = exchange.closed.get(30, TimeUnit.SECONDS);
                assertEquals(Status.Code.CANCELLED, status.getCode(), status.toString());
                assertTrue(String.valueOf(status.getDescription()).contains("RST_STREAM"), status.toString());
                assertTrue(exchange.received.get() < 10, exchange.received.get() + " answers reached the client");
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void stalledDigestReader_isResetOnTheWire_andGivesItsSlotBack() throws Exception {
        try (CorvidNode node = start("\"readerStallMillis\": 1000, \"maxDigestStreams\": 1")) {
            ManagedChannel channel = NettyChannelBuilder.forTarget(node.address()).usePlaintext().build();
            try {
                // A listing over the client's 1 MiB window: 8,000 entries of long ids.
                String prefix = "docs/" + "i".repeat(150) + "/";
                for (int b = 0; b < 8; b++) {
                    BatchRequest.Builder batch = BatchRequest.newBuilder();
                    for (int i = b * 1_000; i < (b + 1) * 1_000; i++) {
                        batch.addCommands(Command.newBuilder().setPut(PutCommand.newBuilder()
                                .setId(prefix + i).setBodyJson(ByteString.copyFromUtf8("{}"))));
                    }
                    DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).batch(batch.build());
                }
                Stalled<DigestRequest, DigestPage> digest = new Stalled<>(channel, DocumentsGrpc.getDigestMethod());
                digest.call.request(1);
                digest.call.sendMessage(DigestRequest.newBuilder().setPageSize(10).build());
                digest.call.halfClose();
                ManagedChannel other = NettyChannelBuilder.forTarget(node.address()).usePlaintext().build();
                try {
                    // The one Digest slot comes free when the node gives up on the stalled reader.
                    await("the node resets the stalled digest").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                            DocumentsGrpc.newBlockingStub(other).withDeadlineAfter(10, TimeUnit.SECONDS)
                                    .digest(DigestRequest.getDefaultInstance()).hasNext());
                } finally {
                    other.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
                }
                digest.call.request(Integer.MAX_VALUE);
                Status status = digest.closed.get(30, TimeUnit.SECONDS);
                assertEquals(Status.Code.CANCELLED, status.getCode(), status.toString());
                assertTrue(String.valueOf(status.getDescription()).contains("RST_STREAM"), status.toString());
                assertTrue(digest.received.get() < 800, digest.received.get() + " of 800 pages reached the client");
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** A call that receives only what it requests. */
    private static final class Stalled<Q, A> {
        final ClientCall<Q, A> call;
        final AtomicInteger received = new AtomicInteger();
        final CompletableFuture<Status> closed = new CompletableFuture<>();

        Stalled(ManagedChannel channel, MethodDescriptor<Q, A> method) {
            call = channel.newCall(method, CallOptions.DEFAULT);
            call.start(new ClientCall.Listener<>() {
                @Override
                public void onMessage(A message) {
                    received.incrementAndGet();
                }

                @Override
                public void onClose(Status status, Metadata trailers) {
                    closed.complete(status);
                }
            }, new Metadata());
        }
    }
}
