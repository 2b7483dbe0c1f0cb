package dev.corvid.node.rpc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.corvid.testing.CorvidTestCluster;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.Command;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.ExchangeRequest;
import dev.corvid.proto.ExchangeResponse;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.StatsRequest;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The deadline a call of an Exchange stream carries ({@code timeout_micros}), against a real node
 * process: a call whose time runs out while it waits inside the node is answered
 * DEADLINE_EXCEEDED and not run.
 *
 * <p>How the call is made to wait, without timing races: the node runs large Gets on its RPC pool
 * (one thread here, so in order). A Get of about 15 MiB holds the pool for many milliseconds; a
 * large Get with 1 ms to live, read at once behind it, waits on the pool until its time is out.
 */
class ExchangeDeadlineTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int BIG_BYTES = 3 * 1024 * 1024;
    private static final int MIB = 1024 * 1024;

    @TempDir
    Path dir;
    private CorvidTestCluster cluster;
    private ManagedChannel channel;

    @AfterEach
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aCallWhoseTimeRanOutBeforeItStarted_isAnsweredDeadlineExceeded_andNotRun() throws Exception {
        cluster = CorvidTestCluster.builder().directory(dir).nodes(1)
                .config("\"serving\": {\"rpcThreads\": 1}").start();
        // A fixed, small flow-control window (no auto-tuning): what the client does not read stays in the node.
        channel = NettyChannelBuilder.forTarget(cluster.address("A")).usePlaintext().maxInboundMessageSize(64 * MIB)
                .flowControlWindow(64 * 1024).build();
        DocumentsGrpc.DocumentsBlockingStub docs = DocumentsGrpc.newBlockingStub(channel);
        BatchRequest.Builder load = BatchRequest.newBuilder()
                .addCommands(put("big/1", "{\"pad\": \"" + "x".repeat(BIG_BYTES) + "\"}"));
        for (int i = 0; i < 17; i++) {
            load.addCommands(put("small/" + i, "{\"n\": " + i + "}"));
        }
        docs.withDeadlineAfter(30, TimeUnit.SECONDS).batch(load.build());
        long readsBefore = readsServed(docs);

        LinkedBlockingQueue<ExchangeResponse> answers = new LinkedBlockingQueue<>();
        ClientCall<ExchangeRequest, ExchangeResponse> exchange = channel.newCall(DocumentsGrpc.getExchangeMethod(), CallOptions.DEFAULT);
        exchange.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(ExchangeResponse message) {
                answers.add(message);
            }
        }, new Metadata());
        List<String> smalls = new ArrayList<>();
        for (int i = 0; i < 17; i++) {
            smalls.add("small/" + i);
        }
        // 4: a large Get of about 15 MiB on the RPC pool (one thread): it holds the pool while the
        // node reads and encodes it, many milliseconds. Nothing else is held, so the node keeps
        // reading the stream and takes call 5 at once.
        List<String> fifteenMiB = new ArrayList<>(List.of("big/1", "big/1", "big/1", "big/1", "big/1"));
        fifteenMiB.addAll(smalls.subList(0, 12));
        exchange.request(2);
        exchange.sendMessage(call(4, 0, fifteenMiB));
        // 5: a large Get with 1 ms to live, queued behind call 4 on the pool: its time is out before
        // the pool can start it.
        exchange.sendMessage(call(5, 1_000, smalls));
        Map<Long, ExchangeResponse> byCall = new HashMap<>();
        for (int i = 0; i < 2; i++) {
            ExchangeResponse answer = answers.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(answer != null, "the node answered " + byCall.keySet() + " only");
            byCall.put(answer.getCallId(), answer);
        }
        assertTrue(byCall.get(4L).hasGet(), "call 4: " + byCall.get(4L).getOutcomeCase());
        ExchangeResponse late = byCall.get(5L);
        assertTrue(late.hasError(), "call 5 ran although its time was out: " + late.getOutcomeCase());
        assertEquals(Status.Code.DEADLINE_EXCEEDED.value(), late.getError().getCode(), late.getError().getMessage());
        assertEquals(readsBefore + 1, readsServed(docs), "the node read for call 4 only");

        // Calls with time left, and calls without a timeout, run as before.
        exchange.request(2);
        exchange.sendMessage(call(6, TimeUnit.SECONDS.toMicros(10), smalls));
        exchange.sendMessage(call(7, 0, List.of("small/0")));
        for (int i = 0; i < 2; i++) {
            ExchangeResponse answer = answers.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(answer != null && answer.hasGet() && answer.getGet().getResults(0).getFound(), "answer: " + answer);
        }
        exchange.halfClose();
    }

    private static PutCommand.Builder putCommand(String id, String body) {
        return PutCommand.newBuilder().setId(id).setMetadataJson(ByteString.copyFromUtf8("{\"@collection\": \"Pads\"}"))
                .setBodyJson(ByteString.copyFromUtf8(body));
    }

    private static Command put(String id, String body) {
        return Command.newBuilder().setPut(putCommand(id, body)).build();
    }

    /** A Get call of the stream; {@code timeoutMicros} 0 for none. */
    private static ExchangeRequest call(long id, long timeoutMicros, List<String> ids) {
        return ExchangeRequest.newBuilder().setCallId(id).setTimeoutMicros(timeoutMicros)
                .setGet(GetRequest.newBuilder().addAllIds(ids)).build();
    }

    private static long readsServed(DocumentsGrpc.DocumentsBlockingStub docs) {
        return docs.withDeadlineAfter(10, TimeUnit.SECONDS).stats(StatsRequest.getDefaultInstance()).getReadsServed();
    }
}
