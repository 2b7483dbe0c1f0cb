package dev.corvid.node.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.corvid.node.CorvidNode;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.probe.Ports;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.Command;
import dev.corvid.proto.DeleteCommand;
import dev.corvid.proto.DeleteRequest;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A real node with a {@code metricsPort}, scraped over HTTP as Prometheus does: the calls it
 * served by method and code (a refused one too), its log syncs as a histogram, its documents, what
 * it knows of its replica's lag (unknown while the replica is down), and the JVM's and the
 * process's memory. Only {@code GET /metrics} is served.
 */
class MetricsEndpointTest {

    @TempDir
    Path dir;

    @Test
    void aScrape_showsCallsSyncsDocumentsLagAndMemory() throws Exception {
        List<Integer> ports = Ports.freePorts(3);
        int port = ports.get(0);
        int metricsPort = ports.get(1);
        ClusterConfig config = ClusterConfig.parse("{\"cluster\": \"metrics\", \"nodes\": ["
                + "{\"name\": \"A\", \"host\": \"127.0.0.1\", \"port\": " + port + ", \"metricsPort\": " + metricsPort
                + ", \"dataDir\": \"a\", \"role\": \"master\"},"
                + "{\"name\": \"B\", \"host\": \"127.0.0.1\", \"port\": " + ports.get(2)
                + ", \"dataDir\": \"b\", \"role\": \"replica\"}]}", dir, "metrics");
        try (CorvidNode node = CorvidNode.start(config, "A")) {
            assertEquals(metricsPort, node.metricsPort());
            ManagedChannel channel = NettyChannelBuilder.forTarget(node.address()).usePlaintext().build();
            try {
                DocumentsGrpc.DocumentsBlockingStub documents = DocumentsGrpc.newBlockingStub(channel);
                documents.put(PutRequest.newBuilder().setPut(PutCommand.newBuilder().setId("people/1")
                        .setBodyJson(ByteString.copyFromUtf8("{\"name\":\"Ada\"}"))).build());
                BatchRequest.Builder two = BatchRequest.newBuilder();
                for (String id : List.of("people/2", "people/3")) {
                    two.addCommands(Command.newBuilder().setPut(PutCommand.newBuilder().setId(id)
                            .setBodyJson(ByteString.copyFromUtf8("{}"))));
                }
                documents.batch(two.build());
                documents.delete(DeleteRequest.newBuilder().setDelete(DeleteCommand.newBuilder().setId("people/3")).build());
                assertThrows(StatusRuntimeException.class, () -> documents.get(GetRequest.newBuilder().addIds("").build()));
            } finally {
                channel.shutdownNow();
            }

            HttpClient http = HttpClient.newHttpClient();
            HttpRequest metrics = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build();
            // The MapDB flusher commits once the writes stop for its idle time.
            HttpResponse<String> scrape = Awaitility.await("a MapDB checkpoint in the scrape").atMost(Duration.ofSeconds(30))
                    .until(() -> http.send(metrics, HttpResponse.BodyHandlers.ofString()),
                            r -> Pattern.compile("^corvid_checkpoint_seconds_count\\{node=\"A\"} [1-9]", Pattern.MULTILINE)
                                    .matcher(r.body()).find());
            assertEquals(200, scrape.statusCode());
            assertTrue(scrape.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), scrape.headers().toString());
            String text = scrape.body();
            assertLine(text, "corvid_rpc_calls_seconds_count\\{code=\"OK\",method=\"corvid.v1.Documents/Put\",node=\"A\"} 1(\\.0)?");
            assertLine(text, "corvid_rpc_calls_seconds_count\\{code=\"INVALID_ARGUMENT\",method=\"corvid.v1.Documents/Get\",node=\"A\"} 1(\\.0)?");
            assertLine(text, "corvid_log_sync_seconds_bucket\\{node=\"A\",le=\"\\+Inf\"} [1-9][0-9]*(\\.0)?");
            assertLine(text, "corvid_log_sync_writes_count\\{node=\"A\"} [1-9][0-9]*(\\.0)?");
            assertLine(text, "corvid_documents\\{node=\"A\"} 2(\\.0)?");
            assertLine(text, "corvid_tombstones\\{node=\"A\"} 1(\\.0)?");
            assertLine(text, "corvid_write_batch_changes_count\\{node=\"A\"} 3(\\.0)?");
            assertLine(text, "corvid_write_batch_changes_sum\\{node=\"A\"} 4(\\.0)?");
            assertLine(text, "corvid_checkpoint_seconds_bucket\\{node=\"A\",le=\"\\+Inf\"} [1-9][0-9]*(\\.0)?");
            assertLine(text, "corvid_checkpoint_documents_sum\\{node=\"A\"} [1-9][0-9]*(\\.0)?");
            assertLine(text, "corvid_replication_lag_changes\\{node=\"A\",replica=\"B\"} NaN");
            assertLine(text, "corvid_process_memory_resident_bytes\\{kind=\"anonymous\",node=\"A\"} [0-9.E+]+");
            assertLine(text, "jvm_memory_used_bytes\\{area=\"heap\",id=\"[^\"]+\",node=\"A\"} [0-9.E+]+");

            assertEquals(404, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/other"))
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            assertEquals(405, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        }
    }

    private static void assertLine(String scrape, String regex) {
        assertTrue(Pattern.compile("^" + regex + "$", Pattern.MULTILINE).matcher(scrape).find(),
                "no line matching " + regex + " in:\n" + scrape);
    }
}
