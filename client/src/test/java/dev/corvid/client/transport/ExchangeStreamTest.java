package dev.corvid.client.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.Command;
import dev.corvid.proto.ConcurrencyViolation;
import dev.corvid.proto.DeleteCommand;
import dev.corvid.proto.DeleteRequest;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.ExchangeRequest;
import dev.corvid.proto.ExchangeResponse;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResponse;
import dev.corvid.proto.GetResult;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.WriteOptions;
import dev.corvid.proto.WriteResponse;
import dev.corvid.proto.WriteResult;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Calls carried by an {@link ExchangeStream}, against an in-process node that holds each call
 * until the test answers it: what callers get back, deadlines, a node without Exchange, and
 * whether a failed call was provably never sent.
 */
class ExchangeStreamTest {

    /** A call the node received over an Exchange stream and has not answered yet. */
    record Held(ExchangeRequest request, StreamObserver<ExchangeResponse> out) {
        void answer(ExchangeResponse.Builder answer) {
            synchronized (out) {
                out.onNext(answer.setCallId(request.getCallId()).build());
            }
        }
    }

    private final LinkedBlockingQueue<Held> held = new LinkedBlockingQueue<>();
    private final AtomicInteger streamsOpened = new AtomicInteger();
    private final AtomicInteger unaryGets = new AtomicInteger();
    private final AtomicInteger unaryBatches = new AtomicInteger();
    private final ExecutorService callers = Executors.newCachedThreadPool();
    private final ScheduledThreadPoolExecutor deadlines = new ScheduledThreadPoolExecutor(1);
    private final List<Server> servers = new ArrayList<>();
    private final List<ManagedChannel> transports = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        callers.shutdownNow();
        deadlines.shutdownNow();
        for (ManagedChannel t : transports) {
            t.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        for (Server s : servers) {
            s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    /** A node that holds Exchange calls for the test, or answers UNIMPLEMENTED to Exchange; its unary Get always finds. */
    private CoalescingChannel channelToNode(boolean knowsExchange) throws Exception {
        return channelTo(startNode(knowsExchange));
    }

    /** Starts the node {@link #channelToNode} describes; returns its in-process name. */
    private String startNode(boolean knowsExchange) throws Exception {
        String name = InProcessServerBuilder.generateName();
        servers.add(InProcessServerBuilder.forName(name).directExecutor().addService(new DocumentsGrpc.DocumentsImplBase() {
            @Override
            public StreamObserver<ExchangeRequest> exchange(StreamObserver<ExchangeResponse> out) {
                if (!knowsExchange) {
                    return super.exchange(out);
                }
                streamsOpened.incrementAndGet();
                return new StreamObserver<>() {
                    @Override
                    public void onNext(ExchangeRequest request) {
                        held.add(new Held(request, out));
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                };
            }

            @Override
            public void get(GetRequest request, StreamObserver<GetResponse> out) {
                unaryGets.incrementAndGet();
                out.onNext(found(request));
                out.onCompleted();
            }

            @Override
            public void batch(BatchRequest request, StreamObserver<WriteResponse> out) {
                unaryBatches.incrementAndGet();
                out.onNext(WriteResponse.newBuilder().addResults(WriteResult.newBuilder()
                        .setId(request.getCommands(0).getPut().getId())).build());
                out.onCompleted();
            }
        }).build().start());
        return name;
    }

    private CoalescingChannel channelTo(String name) {
        ManagedChannel transport = connectionTo(name);
        KnownLimits limits = new KnownLimits();
        return new CoalescingChannel(transport, new ExchangeStream(transport, deadlines, limits), limits);
    }

    private ManagedChannel connectionTo(String name) {
        ManagedChannel transport = InProcessChannelBuilder.forName(name).directExecutor().build();
        transports.add(transport);
        return transport;
    }

    private static GetResponse found(GetRequest request) {
        GetResponse.Builder answer = GetResponse.newBuilder();
        request.getIdsList().forEach(id -> answer.addResults(GetResult.newBuilder().setFound(true)
                .setDocument(dev.corvid.proto.Document.newBuilder().setId(id))));
        return answer.build();
    }

    private <T> CompletableFuture<T> async(Supplier<T> call) {
        return CompletableFuture.supplyAsync(call, callers);
    }

    private static DocumentsGrpc.DocumentsBlockingStub stub(CoalescingChannel channel, SendTracker tracker, long deadlineMillis) {
        return DocumentsGrpc.newBlockingStub(channel).withInterceptors(tracker.interceptor())
                .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS);
    }

    private static GetRequest get(String id) {
        return GetRequest.newBuilder().addIds(id).build();
    }

    private Held next() throws InterruptedException {
        Held call = held.poll(10, TimeUnit.SECONDS);
        assertTrue(call != null, "the node got no call");
        return call;
    }

    private static StatusRuntimeException failure(CompletableFuture<?> call) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> call.get(10, TimeUnit.SECONDS));
        return (StatusRuntimeException) e.getCause();
    }

    @Test
    void answersReachTheirCallers_inWhateverOrderTheNodeGivesThem_errorsWithTheirDetails() throws Exception {
        CoalescingChannel channel = channelToNode(true);
        CompletableFuture<GetResponse> first = async(() -> stub(channel, new SendTracker(), 10_000).get(get("a")));
        Held a = next();
        CompletableFuture<WriteResponse> second = async(() -> stub(channel, new SendTracker(), 10_000).batch(BatchRequest.newBuilder()
                .addCommands(Command.newBuilder().setPut(PutCommand.newBuilder().setId("b").setBodyJson(ByteString.copyFromUtf8("{}")))).build()));
        Held b = next();
        CompletableFuture<WriteResponse> third = async(() -> stub(channel, new SendTracker(), 10_000).batch(BatchRequest.newBuilder()
                .addCommands(Command.newBuilder().setPut(PutCommand.newBuilder().setId("c").setBodyJson(ByteString.copyFromUtf8("{}")))).build()));
        Held c = next();
        assertEquals(1, streamsOpened.get(), "one stream carries every call");

        com.google.rpc.Status conflict = com.google.rpc.Status.newBuilder().setCode(Status.Code.ABORTED.value())
                .setMessage("stale").addDetails(Any.pack(ConcurrencyViolation.newBuilder().setId("c").build())).build();
        c.answer(ExchangeResponse.newBuilder().setError(conflict));
        b.answer(ExchangeResponse.newBuilder().setWrite(WriteResponse.newBuilder().addResults(WriteResult.newBuilder().setId("b"))));
        a.answer(ExchangeResponse.newBuilder().setGet(found(a.request().getGet())));

        assertEquals("a", first.get(10, TimeUnit.SECONDS).getResults(0).getDocument().getId());
        assertEquals("b", second.get(10, TimeUnit.SECONDS).getResults(0).getId());
        StatusRuntimeException error = failure(third);
        assertEquals(Status.Code.ABORTED, error.getStatus().getCode());
        assertEquals("c", StatusProto.fromThrowable(error).getDetails(0).unpack(ConcurrencyViolation.class).getId());
    }

    @Test
    void aCallPastItsDeadline_failsThen_andItsLateAnswerIsDropped() throws Exception {
        CoalescingChannel channel = channelToNode(true);
        SendTracker tracker = new SendTracker();
        CompletableFuture<GetResponse> slow = async(() -> stub(channel, tracker, 300).get(get("slow")));
        Held late = next();
        StatusRuntimeException error = failure(slow);
        assertEquals(Status.Code.DEADLINE_EXCEEDED, error.getStatus().getCode());
        assertFalse(tracker.provablyUnsent(error));

        late.answer(ExchangeResponse.newBuilder().setGet(found(late.request().getGet())));
        CompletableFuture<GetResponse> next = async(() -> stub(channel, new SendTracker(), 10_000).get(get("next")));
        Held call = next();
        call.answer(ExchangeResponse.newBuilder().setGet(found(call.request().getGet())));
        assertEquals("next", next.get(10, TimeUnit.SECONDS).getResults(0).getDocument().getId());
        assertEquals(1, streamsOpened.get(), "the stream outlives a call that ran out of time");
    }

    /** A message over the node's request limit would fail the stream, and every call on it. */
    @Test
    void aLargeRequest_goesAsAnRpcOfItsOwn() throws Exception {
        CoalescingChannel channel = channelToNode(true);
        String body = "{\"b\":\"" + "x".repeat(NodeLimits.DEFAULTS.maxExchangeRequestBytes()) + "\"}";
        WriteResponse answer = stub(channel, new SendTracker(), 10_000).batch(BatchRequest.newBuilder()
                .addCommands(Command.newBuilder().setPut(PutCommand.newBuilder().setId("big").setBodyJson(ByteString.copyFromUtf8(body)))).build());
        assertEquals("big", answer.getResults(0).getId());
        assertEquals(1, unaryBatches.get());
        assertEquals(0, streamsOpened.get(), "no Exchange stream carried it");
    }

    @Test
    void aNodeWithoutExchange_getsTheCallsAsUnaryRpcs() throws Exception {
        CoalescingChannel channel = channelToNode(false);
        for (String id : List.of("x", "y", "z")) {
            assertEquals(id, stub(channel, new SendTracker(), 10_000).get(get(id)).getResults(0).getDocument().getId());
        }
        assertEquals(3, unaryGets.get());
    }

    @Test
    void aStreamThatFailsAfterItWasCreated_failsItsCallsAsPossiblySent_andTheNextCallOpensAnother() throws Exception {
        CoalescingChannel channel = channelToNode(true);
        SendTracker tracker = new SendTracker();
        CompletableFuture<GetResponse> call = async(() -> stub(channel, tracker, 10_000).get(get("a")));
        Held a = next();
        a.out().onError(Status.UNAVAILABLE.withDescription("node going away").asRuntimeException());
        StatusRuntimeException error = failure(call);
        assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode());
        assertFalse(tracker.provablyUnsent(error), "the call may have reached the node");

        CompletableFuture<GetResponse> again = async(() -> stub(channel, new SendTracker(), 10_000).get(get("b")));
        Held b = next();
        b.answer(ExchangeResponse.newBuilder().setGet(found(b.request().getGet())));
        assertEquals("b", again.get(10, TimeUnit.SECONDS).getResults(0).getDocument().getId());
        assertEquals(2, streamsOpened.get());
    }

    @Test
    void aStreamThatNeverReachedANode_failsItsCallsAsProvablyUnsent() {
        CoalescingChannel channel = channelTo(InProcessServerBuilder.generateName()); // nobody serves it
        SendTracker tracker = new SendTracker();
        StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
                () -> stub(channel, tracker, 10_000).batch(BatchRequest.newBuilder()
                        .addCommands(Command.newBuilder().setPut(PutCommand.newBuilder().setId("a").setBodyJson(ByteString.copyFromUtf8("{}")))).build()));
        assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode());
        assertTrue(tracker.provablyUnsent(error));
    }

    @Test
    void aCallTellsTheNodeTheTimeItStillHas() throws Exception {
        CoalescingChannel channel = channelToNode(true);
        CompletableFuture<GetResponse> call = async(() -> stub(channel, new SendTracker(), 5_000).get(get("a")));
        Held a = next();
        long micros = a.request().getTimeoutMicros();
        assertTrue(micros > 0 && micros <= TimeUnit.SECONDS.toMicros(5), "timeout_micros " + micros);
        a.answer(ExchangeResponse.newBuilder().setGet(found(a.request().getGet())));
        assertEquals("a", call.get(10, TimeUnit.SECONDS).getResults(0).getDocument().getId());
    }

    @Test
    void putAndDelete_travelOverTheStream_asOneCommandBatches_withTheirOptions() throws Exception {
        ExchangeTransport transport = new ExchangeTransport(connectionTo(startNode(true)), deadlines, new KnownLimits());
        PutCommand put = PutCommand.newBuilder().setId("p").setBodyJson(ByteString.copyFromUtf8("{}")).build();
        CompletableFuture<WriteResponse> putting = async(() -> transport.put(PutRequest.newBuilder().setPut(put)
                .setOptions(WriteOptions.newBuilder().setFailoverWrite(true)).build(), Deadline.after(10, TimeUnit.SECONDS)));
        Held p = next();
        assertEquals(1, p.request().getBatch().getCommandsCount());
        assertEquals(put, p.request().getBatch().getCommands(0).getPut());
        assertTrue(p.request().getBatch().getOptions().getFailoverWrite());
        p.answer(ExchangeResponse.newBuilder().setWrite(WriteResponse.newBuilder().addResults(WriteResult.newBuilder().setId("p"))));
        assertEquals("p", putting.get(10, TimeUnit.SECONDS).getResults(0).getId());

        CompletableFuture<WriteResponse> deleting = async(() -> transport.delete(DeleteRequest.newBuilder()
                .setDelete(DeleteCommand.newBuilder().setId("d")).build(), Deadline.after(10, TimeUnit.SECONDS)));
        Held d = next();
        assertEquals("d", d.request().getBatch().getCommands(0).getDelete().getId());
        com.google.rpc.Status conflict = com.google.rpc.Status.newBuilder().setCode(Status.Code.ABORTED.value())
                .setMessage("stale").addDetails(Any.pack(ConcurrencyViolation.newBuilder().setId("d").build())).build();
        d.answer(ExchangeResponse.newBuilder().setError(conflict));
        CallFailedException error = (CallFailedException) failure(deleting);
        assertEquals(Status.Code.ABORTED, error.getStatus().getCode());
        assertEquals("d", StatusProto.fromThrowable(error).getDetails(0).unpack(ConcurrencyViolation.class).getId());
        assertFalse(error.provablyUnsent());
        assertEquals(0, unaryBatches.get(), "nothing went as a unary RPC");
        transport.close();
    }
}
