package dev.corvid.client.transport;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.client.ConcurrencyException;
import dev.corvid.client.CorvidException;
import dev.corvid.client.routing.TestAccess;
import dev.corvid.proto.BatchManyRequest;
import dev.corvid.proto.BatchManyResponse;
import dev.corvid.proto.BatchOutcome;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.ClusterTopology;
import dev.corvid.proto.Command;
import dev.corvid.proto.ConcurrencyViolation;
import dev.corvid.proto.Document;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResponse;
import dev.corvid.proto.GetResult;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.WriteResponse;
import dev.corvid.proto.WireLimits;
import dev.corvid.proto.WriteResult;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The folding of concurrent calls, against a gRPC server that holds every call until the test
 * answers it: which RPCs reach the node, and what each caller gets back.
 */
class CoalescingChannelTest {

    /** A call the server received and has not answered yet. */
    record Held<Q, A>(Q request, StreamObserver<A> out) {
        void answer(A answer) {
            out.onNext(answer);
            out.onCompleted();
        }
    }

    private final LinkedBlockingQueue<Held<GetRequest, GetResponse>> gets = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<Held<BatchRequest, WriteResponse>> batches = new LinkedBlockingQueue<>();
    private final LinkedBlockingQueue<Held<BatchManyRequest, BatchManyResponse>> batchMany = new LinkedBlockingQueue<>();
    private volatile boolean batchManyKnown = true;
    private final ExecutorService callers = Executors.newCachedThreadPool();
    private Server server;
    private ManagedChannel transport;
    private CoalescingChannel channel;
    private final KnownLimits limits = new KnownLimits();

    @BeforeEach
    void start() throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(new DocumentsGrpc.DocumentsImplBase() {
            @Override
            public void get(GetRequest request, StreamObserver<GetResponse> out) {
                gets.add(new Held<>(request, out));
            }

            @Override
            public void batch(BatchRequest request, StreamObserver<WriteResponse> out) {
                batches.add(new Held<>(request, out));
            }

            @Override
            public void batchMany(BatchManyRequest request, StreamObserver<BatchManyResponse> out) {
                if (!batchManyKnown) {
                    out.onError(Status.UNIMPLEMENTED.asRuntimeException());
                    return;
                }
                batchMany.add(new Held<>(request, out));
            }
        }).build().start();
        transport = InProcessChannelBuilder.forName(name).directExecutor().build();
        channel = new CoalescingChannel(transport, limits);
    }

    @AfterEach
    void stop() throws InterruptedException {
        callers.shutdownNow();
        transport.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }

    private DocumentsGrpc.DocumentsBlockingStub stub() {
        return DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private CompletableFuture<GetResponse> get(String id) {
        return CompletableFuture.supplyAsync(() -> stub().get(GetRequest.newBuilder().addIds(id).build()), callers);
    }

    private CompletableFuture<WriteResponse> batch(String id) {
        BatchRequest request = BatchRequest.newBuilder()
                .addCommands(Command.newBuilder().setPut(PutCommand.newBuilder().setId(id).setBodyJson(ByteString.copyFromUtf8("{}")))).build();
        return CompletableFuture.supplyAsync(() -> stub().batch(request), callers);
    }

    private static GetResponse found(GetRequest request) {
        GetResponse.Builder answer = GetResponse.newBuilder();
        request.getIdsList().forEach(id -> answer.addResults(GetResult.newBuilder().setFound(true)
                .setDocument(Document.newBuilder().setId(id).setEtag(ByteString.copyFromUtf8("etag-of-" + id)))));
        return answer.build();
    }

    private static WriteResponse written(BatchRequest request) {
        return WriteResponse.newBuilder().addResults(WriteResult.newBuilder()
                .setId(request.getCommands(0).getPut().getId()).setEtag(ByteString.copyFromUtf8("etag-of-" + request.getCommands(0).getPut().getId()))).build();
    }

    private <T> List<T> take(LinkedBlockingQueue<T> queue, int count) throws InterruptedException {
        List<T> taken = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            T next = queue.poll(10, TimeUnit.SECONDS);
            assertTrue(next != null, "expected " + count + " calls at the server, got " + i);
            taken.add(next);
        }
        return taken;
    }

    private void awaitWaiting(int count) {
        await().atMost(Duration.ofSeconds(10)).until(() -> channel.waiting() == count);
    }

    @Test
    void getsGoOutAlone_untilTheSlotsAreFull_thenWaitingOnesShareOneRpc() throws Exception {
        List<CompletableFuture<GetResponse>> first = new ArrayList<>();
        for (int i = 0; i < CoalescingChannel.MAX_IN_FLIGHT; i++) {
            first.add(get("people/" + i));
        }
        List<Held<GetRequest, GetResponse>> alone = take(gets, CoalescingChannel.MAX_IN_FLIGHT);
        alone.forEach(h -> assertEquals(1, h.request().getIdsCount()));

        List<CompletableFuture<GetResponse>> later = new ArrayList<>();
        for (int i = 10; i < 16; i++) {
            later.add(get("people/" + i));
        }
        awaitWaiting(6);
        assertTrue(gets.isEmpty(), "no slot is free: nothing more reaches the node");

        alone.get(0).answer(found(alone.get(0).request()));
        Held<GetRequest, GetResponse> merged = take(gets, 1).get(0);
        assertEquals(6, merged.request().getIdsCount());
        merged.answer(found(merged.request()));
        alone.subList(1, alone.size()).forEach(h -> h.answer(found(h.request())));

        for (int i = 0; i < first.size(); i++) {
            assertEquals("people/" + i, first.get(i).get(10, TimeUnit.SECONDS).getResults(0).getDocument().getId());
        }
        for (int i = 0; i < later.size(); i++) {
            GetResponse own = later.get(i).get(10, TimeUnit.SECONDS);
            assertEquals(1, own.getResultsCount(), "each caller gets only its own documents");
            assertEquals("people/" + (10 + i), own.getResults(0).getDocument().getId());
        }
    }

    @Test
    void aMergedGetRefusedForOneCallersBadId_isSentAgainPerCaller() throws Exception {
        List<Held<GetRequest, GetResponse>> alone = fillGetSlots();
        CompletableFuture<GetResponse> good = get("people/good");
        CompletableFuture<GetResponse> bad = get(" bad ");
        awaitWaiting(2);
        alone.get(0).answer(found(alone.get(0).request()));

        take(gets, 1).get(0).out().onError(Status.INVALID_ARGUMENT.withDescription("bad id").asRuntimeException());
        for (int i = 0; i < 2; i++) { // one after the other, on the slot the merged call held
            Held<GetRequest, GetResponse> each = take(gets, 1).get(0);
            if (each.request().getIds(0).equals(" bad ")) {
                each.out().onError(Status.INVALID_ARGUMENT.withDescription("bad id").asRuntimeException());
            } else {
                each.answer(found(each.request()));
            }
        }
        assertEquals("people/good", good.get(10, TimeUnit.SECONDS).getResults(0).getDocument().getId());
        assertStatus(Status.Code.INVALID_ARGUMENT, bad);
        releaseAll(alone.subList(1, alone.size()), CoalescingChannelTest::found);
    }

    @Test
    void aMergedGetToADownNode_failsEveryCallerWithTheSameStatus() throws Exception {
        List<Held<GetRequest, GetResponse>> alone = fillGetSlots();
        CompletableFuture<GetResponse> one = get("people/a");
        CompletableFuture<GetResponse> two = get("people/b");
        awaitWaiting(2);
        alone.get(0).answer(found(alone.get(0).request()));
        take(gets, 1).get(0).out().onError(Status.UNAVAILABLE.withDescription("going away").asRuntimeException());
        assertStatus(Status.Code.UNAVAILABLE, one);
        assertStatus(Status.Code.UNAVAILABLE, two);
        assertTrue(gets.isEmpty(), "a down node is not asked again per caller");
        releaseAll(alone.subList(1, alone.size()), CoalescingChannelTest::found);
    }

    @Test
    void waitingBatchesGoOutAsOneBatchMany_andEachCallerGetsItsOwnOutcome() throws Exception {
        List<Held<BatchRequest, WriteResponse>> alone = fillBatchSlots();
        CompletableFuture<WriteResponse> ok = batch("people/ok");
        CompletableFuture<WriteResponse> conflicting = batch("people/conflict");
        awaitWaiting(2);
        alone.get(0).answer(written(alone.get(0).request()));

        Held<BatchManyRequest, BatchManyResponse> merged = take(batchMany, 1).get(0);
        assertEquals(2, merged.request().getBatchesCount());
        int okIndex = merged.request().getBatches(0).getCommands(0).getPut().getId().equals("people/ok") ? 0 : 1;
        ConcurrencyViolation violation = ConcurrencyViolation.newBuilder().setId("people/conflict").setActualEtag(ByteString.copyFromUtf8("x")).build();
        BatchOutcome conflict = BatchOutcome.newBuilder().setError(com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.ABORTED.value()).setMessage("PUT attempted on document 'people/conflict' using a non current etag")
                .addDetails(Any.pack(violation))).build();
        BatchOutcome success = BatchOutcome.newBuilder().setResponse(written(merged.request().getBatches(okIndex))).build();
        merged.answer(BatchManyResponse.newBuilder()
                .addOutcomes(okIndex == 0 ? success : conflict).addOutcomes(okIndex == 0 ? conflict : success).build());

        assertEquals(ByteString.copyFromUtf8("etag-of-people/ok"), ok.get(10, TimeUnit.SECONDS).getResults(0).getEtag());
        StatusRuntimeException e = assertStatus(Status.Code.ABORTED, conflicting);
        CorvidException mapped = TestAccess.toException(e, "node", "Batch");
        assertInstanceOf(ConcurrencyException.class, mapped, "the details reach the caller: " + mapped);
        releaseAll(alone.subList(1, alone.size()), CoalescingChannelTest::written);
    }

    @Test
    void aNodeWithoutBatchMany_getsTheWaitingBatchesOneByOne() throws Exception {
        batchManyKnown = false;
        List<Held<BatchRequest, WriteResponse>> alone = fillBatchSlots();
        CompletableFuture<WriteResponse> one = batch("people/x");
        CompletableFuture<WriteResponse> two = batch("people/y");
        awaitWaiting(2);
        alone.get(0).answer(written(alone.get(0).request()));
        take(batches, 1).get(0).answer(written(BatchRequest.getDefaultInstance().toBuilder()
                .addCommands(Command.newBuilder().setPut(PutCommand.newBuilder().setId("first"))).build()));
        take(batches, 1).get(0).answer(written(BatchRequest.getDefaultInstance().toBuilder()
                .addCommands(Command.newBuilder().setPut(PutCommand.newBuilder().setId("second"))).build()));
        assertEquals(1, one.get(10, TimeUnit.SECONDS).getResultsCount());
        assertEquals(1, two.get(10, TimeUnit.SECONDS).getResultsCount());
        assertTrue(batchMany.isEmpty());
        releaseAll(alone.subList(1, alone.size()), CoalescingChannelTest::written);
    }

    @Test
    void mergedGets_holdAtMostTheIdsTheNodeAnswersDirectly() throws Exception {
        limits.learn(ClusterTopology.newBuilder().setLimits(WireLimits.newBuilder().setMaxDirectGetIds(2)).build());
        List<Held<GetRequest, GetResponse>> alone = fillGetSlots();
        List<CompletableFuture<GetResponse>> waiting = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            waiting.add(get("people/" + i));
        }
        awaitWaiting(5);
        releaseAll(alone, CoalescingChannelTest::found); // four slots free: the five go as 2 + 2 + 1 ids
        List<Held<GetRequest, GetResponse>> merged = take(gets, 3);
        assertEquals(List.of(2, 2, 1), merged.stream().map(h -> h.request().getIdsCount()).toList());
        releaseAll(merged, CoalescingChannelTest::found);
        for (int i = 0; i < 5; i++) {
            assertEquals("people/" + i, waiting.get(i).get(10, TimeUnit.SECONDS).getResults(0).getDocument().getId());
        }
    }

    private List<Held<GetRequest, GetResponse>> fillGetSlots() throws InterruptedException {
        for (int i = 0; i < CoalescingChannel.MAX_IN_FLIGHT; i++) {
            get("slot/" + i);
        }
        return take(gets, CoalescingChannel.MAX_IN_FLIGHT);
    }

    private List<Held<BatchRequest, WriteResponse>> fillBatchSlots() throws InterruptedException {
        for (int i = 0; i < CoalescingChannel.MAX_IN_FLIGHT; i++) {
            batch("slot/" + i);
        }
        return take(batches, CoalescingChannel.MAX_IN_FLIGHT);
    }

    private static <Q, A> void releaseAll(List<Held<Q, A>> held, Function<Q, A> answer) {
        held.forEach(h -> h.answer(answer.apply(h.request())));
    }

    private static StatusRuntimeException assertStatus(Status.Code code, CompletableFuture<?> call) throws InterruptedException {
        try {
            call.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            StatusRuntimeException s = assertInstanceOf(StatusRuntimeException.class, e.getCause());
            assertEquals(code, s.getStatus().getCode(), s.getStatus().toString());
            return s;
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the call did not end", e);
        }
        throw new AssertionError("the call succeeded; expected " + code);
    }
}
