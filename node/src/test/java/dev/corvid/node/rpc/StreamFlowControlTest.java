package dev.corvid.node.rpc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.replication.OpenedStreams;
import dev.corvid.node.replication.WriteConfirmations;
import dev.corvid.node.replication.ReplicaApplier;
import dev.corvid.node.storage.LogStorage;
import dev.corvid.node.storage.Storage;
import dev.corvid.node.storage.StorageOptions;
import dev.corvid.node.storage.WriteBatch;
import dev.corvid.proto.DigestPage;
import dev.corvid.proto.DigestRequest;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.ExchangeRequest;
import dev.corvid.proto.ExchangeResponse;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResponse;
import dev.corvid.proto.QueryRequest;
import dev.corvid.proto.StatsRequest;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's flow control for readers that take nothing, over the in-process transport, where a
 * stream is ready exactly while its peer has requested messages: so "the client calls no
 * {@code request()}" means "the transport is never ready", with no timing involved.
 */
class StreamFlowControlTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (int i = opened.size() - 1; i >= 0; i--) {
            opened.get(i).close();
        }
    }

    /** A standalone node on an in-process transport; {@code serving} holds the members of its "serving" config. */
    private record Node(NodeServer server, Storage storage, ManagedChannel channel) {
        DocumentsGrpc.DocumentsBlockingStub docs() {
            return DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
        }
    }

    private Node start(String serving) {
        return start(serving, UnaryOperator.identity());
    }

    private Node start(String serving, UnaryOperator<Storage> wrap) {
        ClusterConfig cluster = ClusterConfig.parse("{\"nodes\": [{\"name\": \"A\", \"host\": \"127.0.0.1\", \"port\": 0,"
                + " \"dataDir\": \"A\", \"role\": \"master\"}], \"serving\": {" + serving + "}}", dir, "test config");
        NodeConfig self = cluster.node("A");
        LogStorage mapDb = LogStorage.open(new StorageOptions(self.dataDirectory(), cluster.limits().maxDocumentBytes()));
        opened.add(mapDb);
        Storage storage = wrap.apply(mapDb);
        String name = "flow-" + UUID.randomUUID();
        NodeServer server;
        try {
            server = new NodeServer(InProcessServerBuilder.forName(name), storage, cluster, self, r -> Optional.empty(),
                    new ReplicaApplier(storage, cluster, self, () -> null), OpenedStreams.NONE,
                    WriteConfirmations.NONE).start();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        opened.add(() -> server.shutdown(Duration.ofSeconds(2)));
        ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
        opened.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
        return new Node(server, storage, channel);
    }

    private static void putPadded(Storage storage, String id, int bodyBytes) {
        String body = "{\"pad\": \"" + "x".repeat(bodyBytes) + "\"}";
        storage.write(WriteBatch.builder().put(id, "{\"@collection\": \"Pads\"}", body, null).build());
    }

    /** A client call with manual flow control: it receives only what it requests. */
    private static final class RawCall<Q, A> {
        final ClientCall<Q, A> call;
        final LinkedBlockingQueue<A> received = new LinkedBlockingQueue<>();
        final CompletableFuture<Status> closed = new CompletableFuture<>();

        RawCall(ManagedChannel channel, MethodDescriptor<Q, A> method) {
            call = channel.newCall(method, CallOptions.DEFAULT);
            call.start(new ClientCall.Listener<>() {
                @Override
                public void onMessage(A message) {
                    received.add(message);
                }

                @Override
                public void onClose(Status status, Metadata trailers) {
                    closed.complete(status);
                }
            }, new Metadata());
        }
    }

    private static ExchangeRequest get(long callId, String... ids) {
        return ExchangeRequest.newBuilder().setCallId(callId).setGet(GetRequest.newBuilder().addAllIds(List.of(ids))).build();
    }

    private static long readsServed(Node node) {
        return node.docs().stats(StatsRequest.getDefaultInstance()).getReadsServed();
    }

    @Test
    void exchange_readerTakesNothing_nodeStopsReadingCalls_thenAnswersEveryOneOnceItReads() throws Exception {
        int budget = 64 * 1024;
        Node node = start("\"exchangeStreamHeldBytes\": " + budget);
        putPadded(node.storage(), "pads/1", 16 * 1024);
        RawCall<ExchangeRequest, ExchangeResponse> exchange = new RawCall<>(node.channel(), DocumentsGrpc.getExchangeMethod());
        int calls = 200;
        for (int i = 0; i < calls; i++) {
            exchange.call.sendMessage(get(i, "pads/1"));
        }
        await("the stream holds its budget").atMost(WAIT).until(() -> node.server().exchangeHeldBytes() >= budget);
        long answer = 16 * 1024 + 200 + Exchange.ANSWER_OVERHEAD_BYTES;
        // It read the calls up to its budget, and then no more: nothing computed and kept beyond it.
        assertTrue(node.server().exchangeHeldBytes() <= budget + answer, "held " + node.server().exchangeHeldBytes());
        long reads = readsServed(node);
        assertTrue(reads <= budget / (16 * 1024) + 1, "the node ran " + reads + " of " + calls + " calls");

        exchange.call.request(calls);
        Set<Long> answered = new HashSet<>();
        for (int i = 0; i < calls; i++) {
            ExchangeResponse r = exchange.received.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertTrue(r != null && r.hasGet() && r.getGet().getResults(0).getFound(), "answer " + i + ": " + r);
            answered.add(r.getCallId());
        }
        assertEquals(calls, answered.size());
        exchange.call.halfClose();
        assertEquals(Status.Code.OK, exchange.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS).getCode());
        await().atMost(WAIT).until(() -> node.server().exchangeHeldBytes() == 0);
    }

    @Test
    void exchange_cancelledByItsClient_dropsWhatItHeld() {
        Node node = start("\"exchangeStreamHeldBytes\": 65536");
        putPadded(node.storage(), "pads/1", 16 * 1024);
        RawCall<ExchangeRequest, ExchangeResponse> exchange = new RawCall<>(node.channel(), DocumentsGrpc.getExchangeMethod());
        for (int i = 0; i < 50; i++) {
            exchange.call.sendMessage(get(i, "pads/1"));
        }
        await().atMost(WAIT).until(() -> node.server().exchangeHeldBytes() >= 65536);
        exchange.call.cancel("client goes away", null);
        await("the node drops what it held").atMost(WAIT).until(() -> node.server().exchangeHeldBytes() == 0);
    }

    @Test
    void exchange_readerStalls_isReset_andWhatItHeldIsDropped() throws Exception {
        Node node = start("\"readerStallMillis\": 300");
        putPadded(node.storage(), "pads/1", 1024);
        RawCall<ExchangeRequest, ExchangeResponse> exchange = new RawCall<>(node.channel(), DocumentsGrpc.getExchangeMethod());
        exchange.call.sendMessage(get(1, "pads/1"));
        Status status = exchange.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(Status.Code.CANCELLED, status.getCode(), status.toString());
        assertEquals(0, node.server().exchangeHeldBytes());

        // An idle stream, with nothing owed, is left alone; it answers when asked.
        RawCall<ExchangeRequest, ExchangeResponse> idle = new RawCall<>(node.channel(), DocumentsGrpc.getExchangeMethod());
        idle.call.request(2); // as a client reading its answers does: one more asked for than it has

        assertFalse(idle.closed.isDone());
        idle.call.sendMessage(get(2, "pads/1"));
        ExchangeResponse answer = idle.received.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertTrue(answer != null && answer.getGet().getResults(0).getFound(), String.valueOf(answer));
        await().during(Duration.ofSeconds(1)).atMost(WAIT).until(() -> !idle.closed.isDone());
    }

    @Test
    void exchange_overTheNodesBudget_theStreamThatWouldGoOverIsReset_andTheOthersGoOn() throws Exception {
        // Each stream may hold 64 KiB; the node 112 KiB: the second stream that fills up goes over.
        Node node = start("\"exchangeStreamHeldBytes\": 65536, \"maxExchangeAnswerBytes\": 49152,"
                + " \"exchangeNodeHeldBytes\": 114688");
        putPadded(node.storage(), "pads/1", 16 * 1024);
        RawCall<ExchangeRequest, ExchangeResponse> first = new RawCall<>(node.channel(), DocumentsGrpc.getExchangeMethod());
        for (int i = 0; i < 20; i++) {
            first.call.sendMessage(get(i, "pads/1"));
        }
        await().atMost(WAIT).until(() -> node.server().exchangeHeldBytes() >= 65536);
        RawCall<ExchangeRequest, ExchangeResponse> second = new RawCall<>(node.channel(), DocumentsGrpc.getExchangeMethod());
        for (int i = 0; i < 20; i++) {
            second.call.sendMessage(get(i, "pads/1"));
        }
        Status status = second.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(Status.Code.CANCELLED, status.getCode(), status.toString());
        assertTrue(node.server().exchangeHeldBytes() <= 114688, "held " + node.server().exchangeHeldBytes());
        assertFalse(first.closed.isDone());

        first.call.request(20);
        for (int i = 0; i < 20; i++) {
            assertTrue(first.received.poll(WAIT.toSeconds(), TimeUnit.SECONDS) != null, "answer " + i);
        }
    }

    @Test
    void digest_readersThatStopReading_holdNoThread_andTheNodeServesOnlySoManyAtOnce() throws Exception {
        Node node = start("\"rpcThreads\": 1, \"maxDigestStreams\": 3");
        WriteBatch.Builder batch = WriteBatch.builder();
        for (int i = 0; i < 500; i++) {
            batch.put("pads/" + i, "{\"@collection\": \"Pads\"}", "{\"n\": " + i + "}", null);
        }
        node.storage().write(batch.build());
        List<RawCall<DigestRequest, DigestPage>> stalled = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            RawCall<DigestRequest, DigestPage> digest = new RawCall<>(node.channel(), DocumentsGrpc.getDigestMethod());
            digest.call.sendMessage(DigestRequest.newBuilder().setPageSize(10).build());
            digest.call.halfClose();
            digest.call.request(1);
            await("first page of digest " + i).atMost(WAIT).until(() -> digest.received.size() == 1);
            stalled.add(digest);
        }
        // Their one thread is free: a query (same pool) answers.
        assertEquals(500, node.docs().query(QueryRequest.newBuilder().setCollection("Pads").setTake(1).build()).getTotalResults());
        StatusRuntimeException fourth = assertThrows(StatusRuntimeException.class,
                () -> node.docs().digest(DigestRequest.getDefaultInstance()).hasNext());
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, fourth.getStatus().getCode());

        stalled.get(0).call.cancel("done", null);
        await("the slot is free again").atMost(WAIT).ignoreExceptions().until(() -> {
            var pages = node.docs().digest(DigestRequest.getDefaultInstance());
            int entries = 0;
            while (pages.hasNext()) {
                entries += pages.next().getEntriesCount();
            }
            return entries == 500;
        });
        // The others resume where they stopped, and list everything.
        RawCall<DigestRequest, DigestPage> resumed = stalled.get(1);
        resumed.call.request(Integer.MAX_VALUE);
        assertEquals(Status.Code.OK, resumed.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS).getCode());
        int entries = 0;
        for (DigestPage page : resumed.received) {
            entries += page.getEntriesCount();
        }
        assertEquals(500, entries);
    }

    @Test
    void digest_readerStalls_isReset_andGivesItsSlotBack() throws Exception {
        Node node = start("\"maxDigestStreams\": 1, \"readerStallMillis\": 300");
        for (int i = 0; i < 30; i++) {
            putPadded(node.storage(), "pads/" + i, 10);
        }
        RawCall<DigestRequest, DigestPage> digest = new RawCall<>(node.channel(), DocumentsGrpc.getDigestMethod());
        digest.call.sendMessage(DigestRequest.newBuilder().setPageSize(10).build());
        digest.call.halfClose();
        digest.call.request(1);
        Status status = digest.closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(Status.Code.CANCELLED, status.getCode(), status.toString());
        assertEquals(1, digest.received.size());
        await().atMost(WAIT).ignoreExceptions().until(() -> node.docs().digest(DigestRequest.getDefaultInstance()).hasNext());
    }

    @Test
    void statsAnswer_whileSlowCallsHoldEveryRpcThread_andAFullQueueAnswersUnavailableAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger entered = new AtomicInteger();
        Node node = start("\"rpcThreads\": 1, \"rpcQueueCalls\": 1", storage -> slowQueries(storage, entered, release));
        putPadded(node.storage(), "pads/1", 10);
        try {
            CompletableFuture<Status.Code> running = query(node);
            await("a query holds the one rpc thread").atMost(WAIT).until(() -> entered.get() == 1);
            List<CompletableFuture<Status.Code>> more = List.of(query(node), query(node)); // one waits, one is refused
            CompletableFuture<Object> refused = CompletableFuture.anyOf(more.toArray(CompletableFuture[]::new));
            assertEquals(Status.Code.UNAVAILABLE, refused.get(2, TimeUnit.SECONDS));
            long started = System.nanoTime();
            assertEquals("A", node.docs().withDeadlineAfter(2, TimeUnit.SECONDS).stats(StatsRequest.getDefaultInstance()).getNodeName());
            assertTrue(System.nanoTime() - started < TimeUnit.SECONDS.toNanos(2));
            assertFalse(running.isDone());
            release.countDown();
            assertEquals(Status.Code.OK, running.get(WAIT.toSeconds(), TimeUnit.SECONDS));
            for (CompletableFuture<Status.Code> q : more) {
                assertTrue(q.get(WAIT.toSeconds(), TimeUnit.SECONDS) == Status.Code.OK
                        || q.get() == Status.Code.UNAVAILABLE);
            }
            assertEquals(1, more.stream().filter(q -> q.join() == Status.Code.OK).count());
        } finally {
            release.countDown();
        }
    }

    private static CompletableFuture<Status.Code> query(Node node) {
        return CompletableFuture.supplyAsync(() -> code(() -> node.docs().withDeadlineAfter(30, TimeUnit.SECONDS)
                .query(QueryRequest.newBuilder().setCollection("Pads").build())));
    }

    @Test
    void get_answerOverMaxAnswerBytes_isResourceExhausted_andARepeatedIdIsReadOnce() {
        Node node = start("\"maxAnswerBytes\": 65536");
        putPadded(node.storage(), "pads/1", 16 * 1024);
        GetRequest.Builder five = GetRequest.newBuilder();
        for (int i = 0; i < 5; i++) {
            five.addIds("pads/1");
        }
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> node.docs().get(five.build()));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("serving.maxAnswerBytes"), e.getStatus().getDescription());
        GetResponse three = node.docs().get(GetRequest.newBuilder().addIds("pads/1").addIds("pads/2").addIds("pads/1").build());
        assertTrue(three.getResults(0).getFound());
        assertFalse(three.getResults(1).getFound());
        assertEquals(three.getResults(0), three.getResults(2));
    }

    private static Status.Code code(Runnable call) {
        try {
            call.run();
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
    }

    /** {@code storage} whose queries count themselves in {@code entered}, then wait for {@code release}. */
    private static Storage slowQueries(Storage storage, AtomicInteger entered, CountDownLatch release) {
        return (Storage) Proxy.newProxyInstance(Storage.class.getClassLoader(), new Class<?>[]{Storage.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("query")) {
                        entered.incrementAndGet();
                        release.await();
                    }
                    try {
                        return method.invoke(storage, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
