package dev.corvid.node.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.corvid.node.CorvidNode;
import dev.corvid.node.testing.TextEtags;
import dev.corvid.node.wire.WireEtag;
import dev.corvid.proto.BatchManyRequest;
import dev.corvid.proto.BatchManyResponse;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.Command;
import dev.corvid.proto.ConcurrencyViolation;
import dev.corvid.proto.DeleteCommand;
import dev.corvid.proto.DeleteRequest;
import dev.corvid.proto.Document;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.ExchangeRequest;
import dev.corvid.proto.ExchangeResponse;
import dev.corvid.proto.FieldFilter;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResponse;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.OrderBy;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.QueryRequest;
import dev.corvid.proto.QueryResponse;
import dev.corvid.proto.ReserveIdsRequest;
import dev.corvid.proto.ReserveIdsResponse;
import dev.corvid.proto.StatsRequest;
import dev.corvid.proto.WriteResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every service of a real node over loopback gRPC, and every kind of bad input. */
class DocumentServiceTest {

    @TempDir
    static Path dir;
    static CorvidNode node;
    static ManagedChannel channel;
    static DocumentsGrpc.DocumentsBlockingStub docs;

    @BeforeAll
    static void start() {
        node = CorvidNode.standalone(dir);
        channel = NettyChannelBuilder.forTarget(node.address()).usePlaintext().build();
        docs = DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stop() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        node.close();
    }

    private static PutCommand put(String id, String body, ByteString etag) {
        return PutCommand.newBuilder().setId(id).setMetadataJson(ByteString.copyFromUtf8("{\"@collection\":\"People\"}"))
                .setBodyJson(ByteString.copyFromUtf8(body)).setExpectedEtag(etag).build();
    }

    private static WriteResponse put(PutCommand command) {
        return docs.put(PutRequest.newBuilder().setPut(command).build());
    }

    private static StatusRuntimeException fails(Status.Code code, Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        return e;
    }

    @Test
    void put_get_delete_roundTrip() {
        ByteString etag = put(put("rpc/1", "{\"name\":\"Oren\"}", ByteString.EMPTY)).getResults(0).getEtag();
        GetResponse got = docs.get(GetRequest.newBuilder().addIds("rpc/1").addIds("rpc/missing").build());
        assertTrue(got.getResults(0).getFound());
        assertEquals(etag, got.getResults(0).getDocument().getEtag());
        assertEquals("{\"name\":\"Oren\"}", got.getResults(0).getDocument().getBodyJson().toStringUtf8());
        assertTrue(got.getResults(0).getDocument().getMetadataJson().toStringUtf8().contains("\"@collection\":\"People\""));
        assertFalse(got.getResults(1).getFound());

        WriteResponse deleted = docs.delete(DeleteRequest.newBuilder()
                .setDelete(DeleteCommand.newBuilder().setId("rpc/1").setExpectedEtag(etag)).build());
        assertTrue(deleted.getResults(0).getDeleted());
        assertFalse(deleted.getResults(0).getEtag().isEmpty());
        assertFalse(docs.get(GetRequest.newBuilder().addIds("rpc/1").build()).getResults(0).getFound());
    }

    @Test
    void batchMany_appliesEachBatchOnItsOwn_andAnswersEachOutcomeInOrder() {
        ByteString current = put(put("rpc/many/1", "{\"v\":1}", ByteString.EMPTY)).getResults(0).getEtag();
        BatchRequest good = BatchRequest.newBuilder().addCommands(Command.newBuilder().setPut(put("rpc/many/2", "{}", ByteString.EMPTY))).build();
        BatchRequest stale = BatchRequest.newBuilder()
                .addCommands(Command.newBuilder().setPut(put("rpc/many/3", "{}", ByteString.EMPTY)))
                .addCommands(Command.newBuilder().setPut(put("rpc/many/1", "{\"v\":2}", TextEtags.wire("00000000-0000-0000-0000-000000000000"))))
                .build();
        BatchRequest badId = BatchRequest.newBuilder().addCommands(Command.newBuilder().setPut(put(" spaced ", "{}", ByteString.EMPTY))).build();
        BatchRequest alsoGood = BatchRequest.newBuilder()
                .addCommands(Command.newBuilder().setPut(put("rpc/many/1", "{\"v\":3}", current))).build();

        BatchManyResponse answer = docs.batchMany(BatchManyRequest.newBuilder()
                .addBatches(good).addBatches(stale).addBatches(badId).addBatches(alsoGood).build());

        assertEquals(4, answer.getOutcomesCount());
        assertTrue(answer.getOutcomes(0).hasResponse());
        assertEquals("rpc/many/2", answer.getOutcomes(0).getResponse().getResults(0).getId());
        com.google.rpc.Status conflict = answer.getOutcomes(1).getError();
        assertEquals(Status.Code.ABORTED.value(), conflict.getCode());
        StatusRuntimeException asCall = StatusProto.toStatusRuntimeException(conflict);
        assertEquals("rpc/many/1", violation(asCall).getId(), "the details travel with the outcome");
        assertEquals(Status.Code.INVALID_ARGUMENT.value(), answer.getOutcomes(2).getError().getCode());
        assertTrue(answer.getOutcomes(3).hasResponse());

        GetResponse now = docs.get(GetRequest.newBuilder().addIds("rpc/many/1").addIds("rpc/many/2").addIds("rpc/many/3").build());
        assertEquals("{\"v\":3}", now.getResults(0).getDocument().getBodyJson().toStringUtf8());
        assertTrue(now.getResults(1).getFound());
        assertFalse(now.getResults(2).getFound(), "the failed batch left nothing behind");
    }

    /** Calls over one Exchange stream get what their unary RPCs would, tagged with their ids. */
    @Test
    void exchange_answersEachCallAsItsUnaryRpcWould_taggedWithItsId() throws Exception {
        ByteString current = put(put("rpc/ex/1", "{\"v\":1}", ByteString.EMPTY)).getResults(0).getEtag();
        ExchangeClient exchange = ExchangeClient.open(channel);
        StreamObserver<ExchangeRequest> calls = exchange.calls();
        LinkedBlockingQueue<ExchangeResponse> answers = exchange.answers();
        CompletableFuture<Status> ended = exchange.ended();
        calls.onNext(ExchangeRequest.newBuilder().setCallId(7)
                .setGet(GetRequest.newBuilder().addIds("rpc/ex/1").addIds("rpc/ex/none")).build());
        calls.onNext(ExchangeRequest.newBuilder().setCallId(8).setBatch(BatchRequest.newBuilder()
                .addCommands(Command.newBuilder().setPut(put("rpc/ex/1", "{\"v\":2}", current)))).build());
        calls.onNext(ExchangeRequest.newBuilder().setCallId(9).setBatch(BatchRequest.newBuilder()
                .addCommands(Command.newBuilder().setPut(put("rpc/ex/1", "{\"v\":3}", current)))).build());
        calls.onNext(ExchangeRequest.newBuilder().setCallId(10).setBatchMany(BatchManyRequest.newBuilder()
                .addBatches(BatchRequest.newBuilder().addCommands(Command.newBuilder().setPut(put("rpc/ex/2", "{}", ByteString.EMPTY))))).build());
        calls.onNext(ExchangeRequest.newBuilder().setCallId(11).build());
        calls.onNext(ExchangeRequest.newBuilder().setCallId(12).setGet(GetRequest.newBuilder().addIds(" bad id ")).build());
        calls.onCompleted();

        assertEquals(Status.OK, ended.get(30, TimeUnit.SECONDS), "the node ends the stream once every call is answered");
        java.util.Map<Long, ExchangeResponse> byId = new java.util.HashMap<>();
        answers.forEach(a -> byId.put(a.getCallId(), a));
        assertEquals(java.util.Set.of(7L, 8L, 9L, 10L, 11L, 12L), byId.keySet());
        assertTrue(byId.get(7L).getGet().getResults(0).getFound());
        assertFalse(byId.get(7L).getGet().getResults(1).getFound());
        assertEquals("rpc/ex/1", byId.get(8L).getWrite().getResults(0).getId());
        StatusRuntimeException conflict = StatusProto.toStatusRuntimeException(byId.get(9L).getError());
        assertEquals(Status.Code.ABORTED, conflict.getStatus().getCode());
        assertEquals(current, violation(conflict).getExpectedEtag(), "the details travel with the answer");
        assertTrue(byId.get(10L).getBatchMany().getOutcomes(0).hasResponse());
        assertEquals(Status.Code.INVALID_ARGUMENT.value(), byId.get(11L).getError().getCode());
        assertEquals(Status.Code.INVALID_ARGUMENT.value(), byId.get(12L).getError().getCode());
        assertEquals("{\"v\":2}", docs.get(GetRequest.newBuilder().addIds("rpc/ex/1").build()).getResults(0).getDocument().getBodyJson().toStringUtf8());
    }

    /** An answer too large for the stream fails its own call, not the stream and the calls beside it. */
    @Test
    void exchange_anAnswerTooLargeForTheStream_failsOnlyItsCall() throws Exception {
        String bio = "x".repeat(3_500_000);
        GetRequest.Builder big = GetRequest.newBuilder();
        for (int i = 0; i < 5; i++) {
            put(put("rpc/big/" + i, "{\"bio\":\"" + bio + "\"}", ByteString.EMPTY));
            big.addIds("rpc/big/" + i);
        }
        ExchangeClient exchange = ExchangeClient.open(channel);
        exchange.calls().onNext(ExchangeRequest.newBuilder().setCallId(1).setGet(big).build());
        ExchangeResponse refused = exchange.answers().poll(30, TimeUnit.SECONDS);
        assertTrue(refused != null && refused.hasError(), "expected an error answer, got " + refused);
        assertEquals(Status.Code.RESOURCE_EXHAUSTED.value(), refused.getError().getCode());

        exchange.calls().onNext(ExchangeRequest.newBuilder().setCallId(2).setGet(GetRequest.newBuilder().addIds("rpc/big/0")).build());
        ExchangeResponse one = exchange.answers().poll(30, TimeUnit.SECONDS);
        assertTrue(one != null && one.hasGet() && one.getGet().getResults(0).getFound(), "the stream still answers: " + one);
        exchange.calls().onCompleted();
        assertEquals(Status.OK, exchange.ended().get(30, TimeUnit.SECONDS));
    }

    /** A client's long-lived Exchange stream must not hold a graceful stop up for the whole drain. */
    @Test
    void gracefulStop_endsExchangeStreamsUnavailable_withoutWaitingOutTheDrain(@TempDir Path own) throws Exception {
        CorvidNode stopping = CorvidNode.standalone(own);
        ManagedChannel toStopping = NettyChannelBuilder.forTarget(stopping.address()).usePlaintext().build();
        try {
            ExchangeClient exchange = ExchangeClient.open(toStopping);
            StreamObserver<ExchangeRequest> calls = exchange.calls();
            LinkedBlockingQueue<ExchangeResponse> answers = exchange.answers();
            CompletableFuture<Status> ended = exchange.ended();
            calls.onNext(ExchangeRequest.newBuilder().setCallId(1).setGet(GetRequest.newBuilder().addIds("rpc/stop/1")).build());
            ExchangeResponse answer = answers.poll(30, TimeUnit.SECONDS);
            assertTrue(answer != null && answer.hasGet(), "the stream is open and answering: " + answer);

            long started = System.nanoTime();
            stopping.close();
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertEquals(Status.Code.UNAVAILABLE, ended.get(5, TimeUnit.SECONDS).getCode());
            assertTrue(tookMillis < CorvidNode.DRAIN.toMillis() / 2, "the stop took " + tookMillis + " ms");
        } finally {
            toStopping.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            stopping.close();
        }
    }

    @Test
    void staleEtag_isAborted_withIdAndEtagsInDetails() {
        ByteString first = put(put("rpc/2", "{\"v\":1}", ByteString.EMPTY)).getResults(0).getEtag();
        ByteString second = put(put("rpc/2", "{\"v\":2}", ByteString.EMPTY)).getResults(0).getEtag();
        StatusRuntimeException e = fails(Status.Code.ABORTED, () -> put(put("rpc/2", "{\"v\":3}", first)));
        assertTrue(e.getStatus().getDescription().startsWith("PUT attempted on document 'rpc/2' using a non current etag"));
        ConcurrencyViolation violation = violation(e);
        assertEquals("rpc/2", violation.getId());
        assertEquals(first, violation.getExpectedEtag());
        assertEquals(second, violation.getActualEtag());
        assertEquals(ConcurrencyViolation.Operation.PUT, violation.getOperation());
    }

    @Test
    void emptyEtag_onExistingDocument_isAborted() {
        put(put("rpc/3", "{}", ByteString.EMPTY));
        StatusRuntimeException e = fails(Status.Code.ABORTED,
                () -> put(put("rpc/3", "{}", TextEtags.wire("00000000-0000-0000-0000-000000000000"))));
        assertEquals("00000000-0000-0000-0000-000000000000", WireEtag.text(violation(e).getExpectedEtag()));
    }

    @Test
    void batch_isAtomic() {
        ByteString current = put(put("rpc/4", "{}", ByteString.EMPTY)).getResults(0).getEtag();
        BatchRequest batch = BatchRequest.newBuilder()
                .addCommands(Command.newBuilder().setPut(put("rpc/5", "{}", ByteString.EMPTY)))
                .addCommands(Command.newBuilder().setDelete(DeleteCommand.newBuilder().setId("rpc/4")
                        .setExpectedEtag(TextEtags.wire("01000000-0000-0001-0000-000000000001"))))
                .build();
        StatusRuntimeException e = fails(Status.Code.ABORTED, () -> docs.batch(batch));
        assertEquals("rpc/4", violation(e).getId());
        assertEquals(current, violation(e).getActualEtag());
        assertTrue(e.getStatus().getDescription().startsWith("DELETE attempted on document 'rpc/4'"));
        assertFalse(docs.get(GetRequest.newBuilder().addIds("rpc/5").build()).getResults(0).getFound());

        WriteResponse ok = docs.batch(BatchRequest.newBuilder()
                .addCommands(Command.newBuilder().setPut(put("rpc/5", "{}", TextEtags.wire("00000000-0000-0000-0000-000000000000"))))
                .addCommands(Command.newBuilder().setDelete(DeleteCommand.newBuilder().setId("rpc/4").setExpectedEtag(current)))
                .build());
        assertEquals(2, ok.getResultsCount());
        assertFalse(ok.getWrittenToReplica());
    }

    @Test
    void query_filtersOrdersAndPages() {
        for (int i = 0; i < 5; i++) {
            docs.put(PutRequest.newBuilder().setPut(PutCommand.newBuilder().setId("dogs/" + i)
                    .setMetadataJson(ByteString.copyFromUtf8("{\"@collection\":\"Dogs\"}")).setBodyJson(ByteString.copyFromUtf8("{\"age\":" + i + "}"))).build());
        }
        QueryResponse result = docs.query(QueryRequest.newBuilder().setCollection("Dogs")
                .addFilters(FieldFilter.newBuilder().setField("age").setOp(FieldFilter.Op.GTE).setValueJson("1"))
                .addOrderBy(OrderBy.newBuilder().setField("age").setDescending(true))
                .setSkip(1).setTake(2).build());
        assertEquals(4, result.getTotalResults());
        assertEquals(List.of("dogs/3", "dogs/2"), result.getDocumentsList().stream().map(d -> d.getId()).toList());
        assertFalse(result.getDocuments(0).getEtag().isEmpty());
    }

    @Test
    void query_onUnknownCollection_isNotFound() {
        StatusRuntimeException e = fails(Status.Code.NOT_FOUND,
                () -> docs.query(QueryRequest.newBuilder().setCollection("Unicorns").build()));
        assertTrue(e.getStatus().getDescription().contains("unknown collection 'Unicorns'"));
    }

    @Test
    void reserveIds_givesDisjointRanges() {
        ReserveIdsResponse a = docs.reserveIds(ReserveIdsRequest.newBuilder().setCollection("Cats").setCount(10).build());
        ReserveIdsResponse b = docs.reserveIds(ReserveIdsRequest.newBuilder().setCollection("Cats").setCount(10).build());
        assertEquals(a.getLast() + 1, b.getFirst());
        fails(Status.Code.INVALID_ARGUMENT,
                () -> docs.reserveIds(ReserveIdsRequest.newBuilder().setCollection("Cats").setCount(0).build()));
    }

    @Test
    void stats_countReadsAndWrites() {
        NodeStats before = docs.stats(StatsRequest.getDefaultInstance());
        put(put("rpc/stats", "{}", ByteString.EMPTY));
        docs.get(GetRequest.newBuilder().addIds("rpc/stats").build());
        NodeStats after = docs.stats(StatsRequest.getDefaultInstance());
        assertEquals(before.getWritesServed() + 1, after.getWritesServed());
        assertEquals(before.getReadsServed() + 1, after.getReadsServed());
        assertEquals("master", after.getRole());
        assertEquals(node.address(), after.getAddress());
        assertFalse(after.getLastEtag().isEmpty());
        assertTrue(after.getDocumentCount() >= 1);
        assertEquals(6, after.getNodeTag().length());
    }

    @Test
    void badInput_isInvalidArgument_andChangesNothing() {
        long writes = docs.stats(StatsRequest.getDefaultInstance()).getWritesServed();
        fails(Status.Code.INVALID_ARGUMENT, () -> put(put("", "{}", ByteString.EMPTY)));
        fails(Status.Code.INVALID_ARGUMENT, () -> put(put("x".repeat(513), "{}", ByteString.EMPTY)));
        fails(Status.Code.INVALID_ARGUMENT, () -> put(put("bad\nid", "{}", ByteString.EMPTY)));
        StatusRuntimeException etag = fails(Status.Code.INVALID_ARGUMENT,
                () -> put(put("rpc/bad", "{}", ByteString.copyFromUtf8("not-an-etag"))));
        assertTrue(etag.getStatus().getDescription().contains("an etag is 16 bytes on the wire, not 11"));
        fails(Status.Code.INVALID_ARGUMENT, () -> put(put("rpc/bad", "[1]", ByteString.EMPTY)));
        fails(Status.Code.INVALID_ARGUMENT, () -> put(put("rpc/bad", "{\"a\":", ByteString.EMPTY)));
        fails(Status.Code.INVALID_ARGUMENT, () -> put(PutCommand.newBuilder().setId("rpc/bad")
                .setMetadataJson(ByteString.copyFromUtf8("[]")).setBodyJson(ByteString.copyFromUtf8("{}")).build()));
        StatusRuntimeException big = fails(Status.Code.INVALID_ARGUMENT,
                () -> put(put("rpc/bad", "{\"s\":\"" + "x".repeat(4 * 1024 * 1024) + "\"}", ByteString.EMPTY)));
        assertTrue(big.getStatus().getDescription().contains("limit is 4194304"));
        fails(Status.Code.INVALID_ARGUMENT, () -> docs.batch(BatchRequest.getDefaultInstance()));
        fails(Status.Code.INVALID_ARGUMENT, () -> docs.batch(BatchRequest.newBuilder()
                .addCommands(Command.getDefaultInstance()).build()));
        fails(Status.Code.INVALID_ARGUMENT, () -> docs.get(GetRequest.newBuilder().addIds("").build()));
        fails(Status.Code.INVALID_ARGUMENT, () -> docs.query(QueryRequest.newBuilder().setCollection("").build()));
        fails(Status.Code.INVALID_ARGUMENT, () -> docs.query(QueryRequest.newBuilder().setCollection("People")
                .addFilters(FieldFilter.newBuilder().setField("age").setOp(FieldFilter.Op.EQ).setValueJson("{oops")).build()));
        fails(Status.Code.INVALID_ARGUMENT, () -> docs.query(QueryRequest.newBuilder().setCollection("People")
                .addFilters(FieldFilter.newBuilder().setField("age").setValueJson("1")).build()));
        fails(Status.Code.INVALID_ARGUMENT, () -> docs.query(QueryRequest.newBuilder().setCollection("People")
                .setTake(100_000).build()));
        assertFalse(docs.get(GetRequest.newBuilder().addIds("rpc/bad").build()).getResults(0).getFound());
        assertEquals(writes, docs.stats(StatsRequest.getDefaultInstance()).getWritesServed());
    }

    @Test
    void jsonThatIsNotUtf8_isInvalidArgument_andChangesNothing() {
        long writes = docs.stats(StatsRequest.getDefaultInstance()).getWritesServed();
        // "{"a":"<0xC3 alone>"}": a lead byte without its continuation byte.
        ByteString truncated = ByteString.copyFrom(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, '"', '}'});
        // The same as UTF-16: the JSON parser would decode it if it were let through.
        ByteString utf16 = ByteString.copyFrom("{\"a\":1}", StandardCharsets.UTF_16LE);
        for (ByteString body : List.of(truncated, utf16)) {
            StatusRuntimeException e = fails(Status.Code.INVALID_ARGUMENT, () -> put(PutCommand.newBuilder()
                    .setId("rpc/not-utf8").setBodyJson(body).build()));
            assertTrue(e.getStatus().getDescription().contains("not UTF-8"), e.getStatus().getDescription());
        }
        StatusRuntimeException metadata = fails(Status.Code.INVALID_ARGUMENT, () -> put(PutCommand.newBuilder()
                .setId("rpc/not-utf8").setMetadataJson(utf16).setBodyJson(ByteString.copyFromUtf8("{}")).build()));
        assertTrue(metadata.getStatus().getDescription().contains("metadata of 'rpc/not-utf8'"),
                metadata.getStatus().getDescription());
        assertFalse(docs.get(GetRequest.newBuilder().addIds("rpc/not-utf8").build()).getResults(0).getFound());
        assertEquals(writes, docs.stats(StatsRequest.getDefaultInstance()).getWritesServed());
    }

    @Test
    void body_isServedExactlyAsSent_multiByteCharactersAndSpacingIncluded() {
        String text = "{ \"name\" : \"Zoë Ångström\", \"note\":\"✓ 😀\" }";
        put(put("rpc/unicode", text, ByteString.EMPTY));
        Document got = docs.get(GetRequest.newBuilder().addIds("rpc/unicode").build()).getResults(0).getDocument();
        assertEquals(ByteString.copyFromUtf8(text), got.getBodyJson());
    }

    @Test
    void health_and_reflection_areServed() throws Exception {
        HealthCheckResponse health = HealthGrpc.newBlockingStub(channel)
                .check(HealthCheckRequest.newBuilder().setService("corvid.v1.Documents").build());
        assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus());

        CompletableFuture<ServerReflectionResponse> answer = new CompletableFuture<>();
        StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
                .serverReflectionInfo(new StreamObserver<>() {
                    @Override
                    public void onNext(ServerReflectionResponse value) {
                        answer.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        answer.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
        List<String> services = answer.get(10, TimeUnit.SECONDS).getListServicesResponse().getServiceList()
                .stream().map(s -> s.getName()).toList();
        requests.onCompleted();
        assertTrue(services.contains("corvid.v1.Documents"), services.toString());
        assertTrue(services.contains("grpc.health.v1.Health"), services.toString());
    }

    static ConcurrencyViolation violation(StatusRuntimeException e) {
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        for (Any detail : status.getDetailsList()) {
            if (detail.is(ConcurrencyViolation.class)) {
                try {
                    return detail.unpack(ConcurrencyViolation.class);
                } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
                    throw new AssertionError(ex);
                }
            }
        }
        throw new AssertionError("no ConcurrencyViolation in " + status);
    }

    @Test
    void writeAssurance_thatTheClusterCannotMeet_isRefusedInvalidArgument_andNothingIsWritten() {
        java.util.function.Function<dev.corvid.proto.WriteAssurance.Builder, WriteResponse> putWith = a -> docs.put(
                PutRequest.newBuilder().setPut(put("assured/1", "{}", ByteString.EMPTY))
                        .setOptions(dev.corvid.proto.WriteOptions.newBuilder().setAssurance(a)).build());
        String tooMany = fails(Status.Code.INVALID_ARGUMENT, () -> putWith.apply(
                dev.corvid.proto.WriteAssurance.newBuilder().setReplicas(1).setTimeoutMicros(1_000_000))).getMessage();
        assertTrue(tooMany.contains("asks for 1 replicas, but cluster 'standalone' has 0; nothing was written"), tooMany);
        fails(Status.Code.INVALID_ARGUMENT, () -> putWith.apply(
                dev.corvid.proto.WriteAssurance.newBuilder().setReplicas(-1).setTimeoutMicros(1_000_000)));
        assertFalse(docs.get(GetRequest.newBuilder().addIds("assured/1").build()).getResults(0).getFound());

        // A majority of one node is the master alone: nothing to wait for.
        WriteResponse alone = putWith.apply(dev.corvid.proto.WriteAssurance.newBuilder().setMajority(true));
        assertEquals("", alone.getAssuranceUnmet());
        assertTrue(docs.get(GetRequest.newBuilder().addIds("assured/1").build()).getResults(0).getFound());
    }
}
