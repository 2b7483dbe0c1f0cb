package dev.corvid.node.rpc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.corvid.testing.CorvidTestCluster;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.Command;
import dev.corvid.proto.DigestPage;
import dev.corvid.proto.DigestRequest;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.ExchangeRequest;
import dev.corvid.proto.ExchangeResponse;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.QueryRequest;
import dev.corvid.proto.ReserveIdsRequest;
import dev.corvid.proto.StatsRequest;
import dev.corvid.proto.TopologyRequest;
import dev.corvid.probe.MultiProcess;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that stop reading their streams, against a real three-node cluster: they must hold no
 * thread of the node and a bounded amount of its memory, while every other call keeps answering.
 * Loads are bounded in count; waits have deadlines. Figures go to standard output.
 *
 * <p>The node runs with the default serving limits (and {@link CorvidTestCluster}'s {@code -Xmx512m}).
 */
@MultiProcess
class StalledReadersTest {

    /** What every probe call must answer within, however many stalled readers there are. */
    private static final long PROBE_DEADLINE_MS = 2_000;
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final int BIG_BYTES = 3 * 1024 * 1024;
    private static final int SMALL_DOCS = 8_000;
    /** Long ids, so that the digest listing (about 190 bytes an entry) is larger than a client's 1 MiB window. */
    private static final String SMALL_ID = "smalls/" + "i".repeat(90) + "/";
    private static final int DIGEST_READERS = 6;
    private static final int EXCHANGE_READERS = 2;
    private static final int GETS_PER_EXCHANGE = 150;
    private static final long MIB = 1024 * 1024;

    @TempDir
    static Path dir;
    static CorvidTestCluster cluster;
    static ManagedChannel probeChannel;
    static DocumentsGrpc.DocumentsBlockingStub docs;
    static final AtomicInteger probeWrites = new AtomicInteger();

    @BeforeAll
    static void start() {
        long t0 = System.nanoTime();
        cluster = CorvidTestCluster.builder().directory(dir).nodes(3).start();
        long up = System.nanoTime();
        probeChannel = channel("A");
        docs = DocumentsGrpc.newBlockingStub(probeChannel);
        String big = "{\"pad\": \"" + "x".repeat(BIG_BYTES) + "\"}";
        docs.withDeadlineAfter(30, TimeUnit.SECONDS).put(PutRequest.newBuilder().setPut(PutCommand.newBuilder()
                .setId("big/1").setMetadataJson(ByteString.copyFromUtf8("{\"@collection\": \"Bigs\"}"))
                .setBodyJson(ByteString.copyFromUtf8(big))).build());
        // Enough ids that a digest listing is larger than a client's flow-control window (1 MiB).
        for (int b = 0; b < SMALL_DOCS / 1_000; b++) {
            BatchRequest.Builder batch = BatchRequest.newBuilder();
            for (int i = b * 1_000; i < (b + 1) * 1_000; i++) {
                batch.addCommands(Command.newBuilder().setPut(PutCommand.newBuilder().setId(SMALL_ID + i)
                        .setMetadataJson(ByteString.copyFromUtf8("{\"@collection\": \"Smalls\"}"))
                        .setBodyJson(ByteString.copyFromUtf8("{\"n\": " + i + "}"))));
            }
            docs.withDeadlineAfter(30, TimeUnit.SECONDS).batch(batch.build());
        }
        BatchRequest.Builder few = BatchRequest.newBuilder(); // what the probe queries: a scan of its own is short
        for (int i = 0; i < 10; i++) {
            few.addCommands(Command.newBuilder().setPut(PutCommand.newBuilder().setId("pets/" + i)
                    .setMetadataJson(ByteString.copyFromUtf8("{\"@collection\": \"Pets\"}"))
                    .setBodyJson(ByteString.copyFromUtf8("{\"n\": " + i + "}"))));
        }
        docs.withDeadlineAfter(30, TimeUnit.SECONDS).batch(few.build());
        long loaded = System.nanoTime();
        // Warm up as a client that reads would: the node's heap and buffers grow to their working size.
        for (int i = 0; i < 10; i++) {
            docs.withDeadlineAfter(30, TimeUnit.SECONDS).get(GetRequest.newBuilder().addIds("big/1").build());
        }
        System.out.printf("setup: cluster up in %d ms, data loaded in %d ms, warmed up in %d ms%n",
                (up - t0) / 1_000_000, (loaded - up) / 1_000_000, (System.nanoTime() - loaded) / 1_000_000);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (probeChannel != null) {
            probeChannel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static ManagedChannel channel(String node) {
        return NettyChannelBuilder.forTarget(cluster.address(node)).usePlaintext().maxInboundMessageSize(64 * 1024 * 1024).build();
    }

    /** The node's resident set, from /proc. */
    private static long rssMiB(String node) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(cluster.pid(node)), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException("no VmRSS for node " + node);
    }

    /**
     * Every kind of call a client makes, each with a deadline of {@value #PROBE_DEADLINE_MS} ms.
     * Returns each call's latency in ms, or the status it failed with.
     */
    private static Map<String, String> probe() {
        Map<String, String> took = new LinkedHashMap<>();
        DocumentsGrpc.DocumentsBlockingStub d = docs;
        GetRequest.Builder seventeen = GetRequest.newBuilder();
        for (int i = 0; i < 17; i++) {
            seventeen.addIds(SMALL_ID + i);
        }
        timed(took, "Get", () -> d.withDeadlineAfter(PROBE_DEADLINE_MS, TimeUnit.MILLISECONDS)
                .get(GetRequest.newBuilder().addIds(SMALL_ID + 1).build()));
        timed(took, "Get 17 ids", () -> d.withDeadlineAfter(PROBE_DEADLINE_MS, TimeUnit.MILLISECONDS).get(seventeen.build()));
        timed(took, "Get 3 MiB", () -> d.withDeadlineAfter(PROBE_DEADLINE_MS, TimeUnit.MILLISECONDS)
                .get(GetRequest.newBuilder().addIds("big/1").build()));
        timed(took, "Put", () -> d.withDeadlineAfter(PROBE_DEADLINE_MS, TimeUnit.MILLISECONDS).put(PutRequest.newBuilder()
                .setPut(PutCommand.newBuilder().setId("probes/" + probeWrites.incrementAndGet())
                        .setBodyJson(ByteString.copyFromUtf8("{}"))).build()));
        timed(took, "Stats", () -> d.withDeadlineAfter(PROBE_DEADLINE_MS, TimeUnit.MILLISECONDS).stats(StatsRequest.getDefaultInstance()));
        timed(took, "Topology", () -> d.withDeadlineAfter(PROBE_DEADLINE_MS, TimeUnit.MILLISECONDS)
                .topology(TopologyRequest.getDefaultInstance()));
        timed(took, "Query", () -> d.withDeadlineAfter(PROBE_DEADLINE_MS, TimeUnit.MILLISECONDS)
                .query(QueryRequest.newBuilder().setCollection("Pets").setTake(10).build()));
        timed(took, "ReserveIds", () -> d.withDeadlineAfter(PROBE_DEADLINE_MS, TimeUnit.MILLISECONDS)
                .reserveIds(ReserveIdsRequest.newBuilder().setCollection("Probes").setCount(10).build()));
        timed(took, "Health", () -> assertEquals(HealthCheckResponse.ServingStatus.SERVING, HealthGrpc.newBlockingStub(probeChannel)
                .withDeadlineAfter(PROBE_DEADLINE_MS, TimeUnit.MILLISECONDS).check(HealthCheckRequest.getDefaultInstance()).getStatus()));
        return took;
    }

    private static void timed(Map<String, String> took, String call, Runnable run) {
        long started = System.nanoTime();
        try {
            run.run();
            took.put(call, Long.toString(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)));
        } catch (StatusRuntimeException e) {
            took.put(call, e.getStatus().getCode().toString());
        }
    }

    /** Fails unless every call of the probe answered (within its deadline). */
    private static void assertAnswered(Map<String, String> probe) {
        probe.forEach((call, result) -> assertTrue(result.matches("[0-9]+"), call + " did not answer: " + result
                + " (probe " + probe + ")"));
    }

    /** A call with manual flow control: it receives only what it requests. */
    private static final class Reader<Q, A> {
        final ManagedChannel channel;
        final ClientCall<Q, A> call;
        final AtomicInteger received = new AtomicInteger();
        final CompletableFuture<Status> closed = new CompletableFuture<>();

        Reader(String node, MethodDescriptor<Q, A> method) {
            channel = channel(node);
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

        /** The client goes away. */
        void leave() throws InterruptedException {
            call.cancel("the stalled client goes away", null);
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** Digest readers that take one page and stop, and Exchange clients that ask for big answers and take none. */
    private static List<Reader<?, ?>> stallReaders() {
        List<Reader<?, ?>> readers = new ArrayList<>();
        List<Reader<DigestRequest, DigestPage>> digests = new ArrayList<>();
        for (int i = 0; i < DIGEST_READERS; i++) {
            Reader<DigestRequest, DigestPage> digest = new Reader<>("A", DocumentsGrpc.getDigestMethod());
            digest.call.request(1);
            digest.call.sendMessage(DigestRequest.newBuilder().setPageSize(10).build());
            digest.call.halfClose();
            digests.add(digest);
            readers.add(digest);
        }
        for (int i = 0; i < EXCHANGE_READERS; i++) {
            Reader<ExchangeRequest, ExchangeResponse> exchange = new Reader<>("A", DocumentsGrpc.getExchangeMethod());
            for (int c = 0; c < GETS_PER_EXCHANGE; c++) {
                exchange.call.sendMessage(ExchangeRequest.newBuilder().setCallId(c)
                        .setGet(GetRequest.newBuilder().addIds("big/1")).build());
            }
            readers.add(exchange);
        }
        // Each digest took its page, or was refused: the node serves serving.maxDigestStreams (4) at once.
        await("every digest reader has its first page or its refusal").atMost(WAIT).until(() ->
                digests.stream().allMatch(d -> d.received.get() == 1 || d.closed.isDone()));
        long refused = digests.stream().filter(d -> d.closed.isDone()).count();
        for (Reader<DigestRequest, DigestPage> d : digests) {
            if (d.closed.isDone()) {
                assertEquals(Status.Code.RESOURCE_EXHAUSTED, d.closed.join().getCode(), d.closed.join().toString());
            }
        }
        System.out.printf("stalled: %d digest readers (%d refused RESOURCE_EXHAUSTED), %d exchange clients x %d gets of 3 MiB%n",
                DIGEST_READERS, refused, EXCHANGE_READERS, GETS_PER_EXCHANGE);
        return readers;
    }

    @Test
    void stalledDigestAndExchangeReaders_holdNoThreadAndBoundedMemory_whileEveryOtherCallAnswers() throws Exception {
        Map<String, String> first = probe();
        System.out.println("probe before (ms): " + first);
        assertAnswered(first);
        long before = rssMiB("A");

        long[] peaks = new long[2];
        for (int round = 0; round < 2; round++) {
            List<Reader<?, ?>> readers = stallReaders();
            long during = rssMiB("A");
            // While they stall, every other call answers within its deadline, again and again.
            long peak = during;
            List<Map<String, String>> probes = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                probes.add(probe());
                peak = Math.max(peak, rssMiB("A"));
                if (i == 0 || i == 4) {
                    System.out.println("round " + round + " probe " + i + " while stalled (ms): " + probes.get(i));
                }
            }
            long settled = rssMiB("A");
            peaks[round] = peak;
            System.out.printf("round %d: RSS before %d MiB, stalled %d MiB, peak %d MiB, after five probes %d MiB%n",
                    round, before, during, peak, settled);
            probes.forEach(StalledReadersTest::assertAnswered);
            // The node did not compute and buffer the hundreds of 3 MiB answers nobody reads (>= 900 MiB).
            assertTrue(peak - before < 300, "RSS grew from " + before + " to " + peak + " MiB");

            for (Reader<?, ?> r : readers) {
                r.leave();
            }
            Map<String, String> after = probe();
            System.out.println("round " + round + " probe after the clients left (ms): " + after + ", RSS " + rssMiB("A") + " MiB");
            assertAnswered(after);
        }
        // What the first round's readers held was given back and reused: a second round needs no more.
        assertTrue(peaks[1] <= peaks[0] + 128, "RSS peaks " + peaks[0] + " then " + peaks[1] + " MiB");
    }

    @Test
    void aReplicaThatStopsReading_costsTheMasterOnlyItsWindow_andTheOtherReplicaKeepsUp() throws Exception {
        long before = rssMiB("A");
        cluster.pause("B"); // SIGSTOP: its connection stays open, it reads nothing
        try {
            String half = "{\"pad\": \"" + "y".repeat(512 * 1024) + "\"}";
            for (int i = 0; i < 40; i++) { // 20 MiB of changes, more than the window (8 MiB)
                docs.withDeadlineAfter(PROBE_DEADLINE_MS, TimeUnit.MILLISECONDS).put(PutRequest.newBuilder()
                        .setPut(PutCommand.newBuilder().setId("halves/" + i).setBodyJson(ByteString.copyFromUtf8(half))).build());
            }
            ByteString head = docs.withDeadlineAfter(PROBE_DEADLINE_MS, TimeUnit.MILLISECONDS)
                    .stats(StatsRequest.getDefaultInstance()).getLastEtag();
            ManagedChannel toC = channel("C");
            try {
                await("C applies everything while B is stopped").atMost(WAIT).until(() ->
                        DocumentsGrpc.newBlockingStub(toC).withDeadlineAfter(PROBE_DEADLINE_MS, TimeUnit.MILLISECONDS)
                                .stats(StatsRequest.getDefaultInstance()).getLastAppliedMasterEtag().equals(head));
            } finally {
                toC.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
            Map<String, String> took = probe();
            long during = rssMiB("A");
            System.out.println("replica B stopped: master probe (ms) " + took + "; master RSS " + before + " -> " + during + " MiB");
            assertAnswered(took);
            assertTrue(during - before < 200, "master RSS grew from " + before + " to " + during + " MiB");
        } finally {
            cluster.resume("B");
        }
        ManagedChannel toB = channel("B");
        try {
            ByteString head = docs.withDeadlineAfter(PROBE_DEADLINE_MS, TimeUnit.MILLISECONDS)
                    .stats(StatsRequest.getDefaultInstance()).getLastEtag();
            await("B catches up once it reads again").atMost(WAIT).ignoreExceptions().until(() -> {
                NodeStats b = DocumentsGrpc.newBlockingStub(toB).withDeadlineAfter(PROBE_DEADLINE_MS, TimeUnit.MILLISECONDS)
                        .stats(StatsRequest.getDefaultInstance());
                return b.getLastAppliedMasterEtag().equals(head);
            });
        } finally {
            toB.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
