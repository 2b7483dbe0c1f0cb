package dev.corvid.node;

import com.google.protobuf.ByteString;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.node.storage.Etag;
import dev.corvid.testing.CorvidTestCluster;
import dev.corvid.node.wire.WireEtag;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResult;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.probe.MultiProcess;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real node process takes concurrent writes and is killed with {@code kill -9} mid-stream:
 * after a restart every acknowledged write is there with its etag, and new etags are larger.
 */
@MultiProcess
class NodeCrashTest {

    private static final int WRITERS = 16;

    @TempDir
    Path dir;

    @Test
    void killDashNine_midStream_losesNoAcknowledgedWrite() throws Exception {
        try (CorvidTestCluster cluster = CorvidTestCluster.builder().directory(dir).nodes(1).start()) {
            Map<String, Etag> acknowledged = new ConcurrentHashMap<>();
            AtomicBoolean stop = new AtomicBoolean();
            ManagedChannel channel = NettyChannelBuilder.forTarget(cluster.address("A")).usePlaintext().build();
            ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
            String body = "{\"bio\":\"" + "x".repeat(900) + "\"}";
            for (int w = 0; w < WRITERS; w++) {
                int writer = w;
                writers.submit(() -> {
                    DocumentsGrpc.DocumentsBlockingStub docs = DocumentsGrpc.newBlockingStub(channel);
                    for (int i = 0; !stop.get(); i++) {
                        String id = "crash/" + writer + "-" + i;
                        try {
                            ByteString etag = docs.withDeadlineAfter(10, TimeUnit.SECONDS).put(PutRequest.newBuilder()
                                    .setPut(PutCommand.newBuilder().setId(id).setBodyJson(ByteString.copyFromUtf8(body))
                                            .setExpectedEtag(WireEtag.bytes(Etag.EMPTY))).build())
                                    .getResults(0).getEtag();
                            acknowledged.put(id, WireEtag.etag(etag));
                        } catch (RuntimeException e) {
                            return; // the node is gone: this write may or may not have landed
                        }
                    }
                });
            }
            await("writes acknowledged before the kill").atMost(Duration.ofSeconds(60))
                    .until(() -> acknowledged.size() >= 3000);
            cluster.kill("A");
            stop.set(true);
            writers.shutdown();
            assertTrue(writers.awaitTermination(30, TimeUnit.SECONDS));
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);

            cluster.restart("A");
            ManagedChannel again = NettyChannelBuilder.forTarget(cluster.address("A")).usePlaintext().build();
            try {
                DocumentsGrpc.DocumentsBlockingStub docs = DocumentsGrpc.newBlockingStub(again)
                        .withDeadlineAfter(60, TimeUnit.SECONDS);
                List<String> ids = new ArrayList<>(acknowledged.keySet());
                for (int from = 0; from < ids.size(); from += 500) {
                    List<String> slice = ids.subList(from, Math.min(ids.size(), from + 500));
                    List<GetResult> results = docs.get(GetRequest.newBuilder().addAllIds(slice).build()).getResultsList();
                    for (int i = 0; i < slice.size(); i++) {
                        assertTrue(results.get(i).getFound(), "acknowledged write lost: " + slice.get(i));
                        assertEquals(acknowledged.get(slice.get(i)), WireEtag.etag(results.get(i).getDocument().getEtag()));
                    }
                }
                Etag highest = acknowledged.values().stream().max(Etag::compareTo).orElseThrow();
                Etag next = WireEtag.etag(docs.put(PutRequest.newBuilder().setPut(PutCommand.newBuilder()
                        .setId("after/crash").setBodyJson(ByteString.copyFromUtf8("{}"))).build()).getResults(0).getEtag());
                assertTrue(next.compareTo(highest) > 0, next + " <= " + highest);
                System.out.printf("crash test: %d writes acknowledged before kill -9, all present after restart%n",
                        acknowledged.size());
            } finally {
                again.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
