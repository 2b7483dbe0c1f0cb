package dev.corvid.node.rpc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import dev.corvid.node.cli.ConsistencyReport;
import dev.corvid.testing.CorvidTestCluster;
import dev.corvid.node.wire.WireEtag;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.Command;
import dev.corvid.proto.DigestPage;
import dev.corvid.proto.DigestRequest;
import dev.corvid.proto.DocumentDigest;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.ExchangeRequest;
import dev.corvid.proto.ExchangeResponse;
import dev.corvid.proto.FieldFilter;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResult;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.OrderBy;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.QueryRequest;
import dev.corvid.proto.QueryResponse;
import dev.corvid.proto.ReplicationGrpc;
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
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.text.Normalizer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every family of hostile input, sent over real gRPC to a real three-node cluster: each fails with
 * its documented code and message, and leaves the master as it was (document count, last etag and
 * digest listing), serving, and answering queries on the collection; what is accepted at the edge
 * of the rules is served, queried, replicated and digested like anything else.
 */
@MultiProcess
class HostileInputTest {

    private static final String COLLECTION = "Hostile";
    private static final String META = "{\"@collection\":\"" + COLLECTION + "\"}";
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    static CorvidTestCluster cluster;
    static ManagedChannel master;
    static ManagedChannel replica;

    @BeforeAll
    static void start() {
        cluster = CorvidTestCluster.builder().directory(dir.resolve("cluster")).nodes(3).start();
        master = NettyChannelBuilder.forTarget(cluster.address("A")).usePlaintext().build();
        replica = NettyChannelBuilder.forTarget(cluster.address("B")).usePlaintext().build();
        BatchRequest.Builder seed = BatchRequest.newBuilder();
        String[] values = {"1", "2.5", "-3", "1e300", "\"text\""};
        for (int i = 0; i < values.length; i++) {
            seed.addCommands(Command.newBuilder().setPut(put("hostile/" + i, META, "{\"v\":" + values[i] + "}")));
        }
        docs(master).batch(seed.build());
    }

    @AfterAll
    static void stop() {
        master.shutdownNow();
        replica.shutdownNow();
        cluster.close();
    }

    private static DocumentsGrpc.DocumentsBlockingStub docs(ManagedChannel channel) {
        return DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    }

    private static PutCommand put(String id, String metadata, String body) {
        return put(id, ByteString.copyFromUtf8(metadata), ByteString.copyFromUtf8(body));
    }

    private static PutCommand put(String id, ByteString metadata, ByteString body) {
        return PutCommand.newBuilder().setId(id).setMetadataJson(metadata).setBodyJson(body).build();
    }

    private static void putOne(PutCommand command) {
        docs(master).put(PutRequest.newBuilder().setPut(command).build());
    }

    private static QueryRequest.Builder query() {
        return QueryRequest.newBuilder().setCollection(COLLECTION).setTake(1000)
                .addFilters(FieldFilter.newBuilder().setField("v").setOp(FieldFilter.Op.GTE).setValueJson("-1e9999"))
                .addOrderBy(OrderBy.newBuilder().setField("v").setDescending(true));
    }

    private static List<String> queried(ManagedChannel channel) {
        return docs(channel).query(query().build()).getDocumentsList().stream().map(d -> d.getId()).toList();
    }

    /** What hostile input must not change on the master. */
    private record State(long documents, String lastEtag, List<DocumentDigest> digest, List<String> queried) {
        static State of() {
            NodeStats stats = docs(master).stats(StatsRequest.getDefaultInstance());
            List<DocumentDigest> digest = new ArrayList<>();
            docs(master).digest(DigestRequest.getDefaultInstance()).forEachRemaining(p -> digest.addAll(p.getEntriesList()));
            return new State(stats.getDocumentCount(), WireEtag.text(stats.getLastEtag()), digest, HostileInputTest.queried(master));
        }
    }

    /**
     * Runs {@code hostile}, expects it to fail with {@code code} and a description holding
     * {@code says}, and checks that the master is unchanged, serving and still answers queries.
     */
    private static void contained(Status.Code code, String says, Runnable hostile) {
        State before = State.of();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, hostile::run);
        assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
        String description = String.valueOf(e.getStatus().getDescription());
        assertTrue(description.contains(says), "expected '" + says + "' in: " + description);
        assertTrue(description.length() < Errors.MAX_DESCRIPTION_CHARS + 40, "a description fits a trailer: " + description.length());
        assertEquals(before, State.of(), "the master changed");
        assertServing(master);
    }

    private static void assertServing(ManagedChannel channel) {
        for (String service : List.of("", DocumentsGrpc.SERVICE_NAME, ReplicationGrpc.SERVICE_NAME)) {
            HealthCheckResponse health = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .check(HealthCheckRequest.newBuilder().setService(service).build());
            assertEquals(HealthCheckResponse.ServingStatus.SERVING, health.getStatus(), "health of '" + service + "'");
        }
    }

    // ---- JSON that breaks a rule ---------------------------------------------------------------

    @Test
    void numbersOutOfRange_areRefused_inBodiesMetadataAndBatches() {
        contained(Status.Code.INVALID_ARGUMENT,
                "body of 'hostile/n': the number 1e999999999 at /v is out of range: a number's exponent must be from -9999 to 9999",
                () -> putOne(put("hostile/n", META, "{\"v\":1e999999999}")));
        contained(Status.Code.INVALID_ARGUMENT, "the number -2.5E+10000 at /a/1/b is out of range",
                () -> putOne(put("hostile/n", META, "{\"a\":[0,{\"b\":-2.5E+10000}]}")));
        contained(Status.Code.INVALID_ARGUMENT, "metadata of 'hostile/n': the number 1e-10000 at /x is out of range",
                () -> putOne(put("hostile/n", "{\"@collection\":\"Hostile\",\"x\":1e-10000}", "{}")));
        contained(Status.Code.INVALID_ARGUMENT, "Number value length (1001) exceeds the maximum allowed (1000",
                () -> putOne(put("hostile/n", META, "{\"v\":" + "7".repeat(1001) + "}")));
        contained(Status.Code.INVALID_ARGUMENT, "body of 'hostile/n2': the number",
                () -> docs(master).batch(BatchRequest.newBuilder()
                        .addCommands(Command.newBuilder().setPut(put("hostile/n1", META, "{\"v\":1}")))
                        .addCommands(Command.newBuilder().setPut(put("hostile/n2", META, "{\"v\":1e99999}")))
                        .build()));
    }

    @Test
    void textThatIsNotJsonInUtf8_isRefused() {
        ByteString bom = ByteString.copyFrom(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        ByteString object = ByteString.copyFromUtf8("{\"v\":1}");
        contained(Status.Code.INVALID_ARGUMENT, "body of 'hostile/t' starts with a byte-order mark",
                () -> putOne(put("hostile/t", ByteString.copyFromUtf8(META), bom.concat(object))));
        contained(Status.Code.INVALID_ARGUMENT, "metadata of 'hostile/t' starts with a byte-order mark",
                () -> putOne(put("hostile/t", bom.concat(ByteString.copyFromUtf8(META)), object)));
        for (byte[] bad : List.of(new byte[] {(byte) 0xC0, (byte) 0xAF}, new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80})) {
            ByteString body = ByteString.copyFromUtf8("{\"v\":\"").concat(ByteString.copyFrom(bad)).concat(ByteString.copyFromUtf8("\"}"));
            contained(Status.Code.INVALID_ARGUMENT, "body of 'hostile/t' is not valid JSON: not UTF-8 text",
                    () -> putOne(put("hostile/t", ByteString.copyFromUtf8(META), body)));
        }
        contained(Status.Code.INVALID_ARGUMENT, "body of 'hostile/t': the string at /v holds an unpaired surrogate (\\uD83D)",
                () -> putOne(put("hostile/t", META, "{\"v\":\"\\uD83D\"}")));
        contained(Status.Code.INVALID_ARGUMENT, "body of 'hostile/t' is not valid JSON: more content after the object",
                () -> putOne(put("hostile/t", META, "{\"v\":1} {\"v\":2}")));
        contained(Status.Code.INVALID_ARGUMENT, "nesting depth (1001) exceeds the maximum allowed (1000",
                () -> putOne(put("hostile/t", META, "{\"v\":" + "[".repeat(1000) + "]".repeat(1000) + "}")));
    }

    @Test
    void badIdsAndCollections_areRefused() {
        contained(Status.Code.INVALID_ARGUMENT, "document id must not contain control characters (found U+0007",
                () -> putOne(put("hostile/\u0007", META, "{}")));
        contained(Status.Code.INVALID_ARGUMENT, "document id is 513 characters long; the limit is 512",
                () -> putOne(put("h".repeat(513), META, "{}")));
        contained(Status.Code.INVALID_ARGUMENT, "must not start or end with whitespace",
                () -> putOne(put(" hostile/1", META, "{}")));
        contained(Status.Code.INVALID_ARGUMENT, "collection name must not contain control characters",
                () -> putOne(put("hostile/c", "{\"@collection\":\"Hos\\u0000tile\"}", "{}")));
        contained(Status.Code.INVALID_ARGUMENT, "metadata @collection of 'hostile/c' must be a string, was 1",
                () -> putOne(put("hostile/c", "{\"@collection\":1}", "{}")));
        contained(Status.Code.INVALID_ARGUMENT, "document id must not contain control characters",
                () -> docs(master).get(GetRequest.newBuilder().addIds("hostile/1").addIds("hostile/\n1").build()));
        // Quoted whole, an etag this long once made a trailer too large for the client, which saw INTERNAL.
        contained(Status.Code.INVALID_ARGUMENT, "an etag is 16 bytes on the wire, not 100000",
                () -> putOne(put("hostile/1", META, "{}").toBuilder().setExpectedEtag(ByteString.copyFromUtf8("x".repeat(100_000))).build()));
    }

    @Test
    void badQueriesAndCounts_areRefused_andAnOutOfRangeComparisonIsAnEmptyAnswer() {
        contained(Status.Code.INVALID_ARGUMENT, "filter value for 'v' is not valid JSON: more content after the value",
                () -> docs(master).query(QueryRequest.newBuilder().setCollection(COLLECTION)
                        .addFilters(FieldFilter.newBuilder().setField("v").setOp(FieldFilter.Op.EQ).setValueJson("1 2")).build()));
        contained(Status.Code.INVALID_ARGUMENT, "filter value for 'v': the number 1e999999999 is out of range",
                () -> docs(master).query(QueryRequest.newBuilder().setCollection(COLLECTION)
                        .addFilters(FieldFilter.newBuilder().setField("v").setOp(FieldFilter.Op.LT).setValueJson("1e999999999")).build()));
        contained(Status.Code.INVALID_ARGUMENT, "field path is 5000 characters long; the limit is 1024",
                () -> docs(master).query(QueryRequest.newBuilder().setCollection(COLLECTION)
                        .addOrderBy(OrderBy.newBuilder().setField("v".repeat(5000))).build()));
        QueryRequest.Builder many = QueryRequest.newBuilder().setCollection(COLLECTION);
        for (int i = 0; i < 100_000; i++) {
            many.addFilters(FieldFilter.newBuilder().setField("v").setOp(FieldFilter.Op.NE).setValueJson(Integer.toString(i)));
        }
        contained(Status.Code.INVALID_ARGUMENT, "a query may have at most 64 filters, this one has 100000",
                () -> docs(master).query(many.build()));
        contained(Status.Code.INVALID_ARGUMENT, "take must be from 1 to 1024, was -5",
                () -> docs(master).query(QueryRequest.newBuilder().setCollection(COLLECTION).setTake(-5).build()));
        contained(Status.Code.INVALID_ARGUMENT, "skip must be 0 or more, was -1",
                () -> docs(master).query(QueryRequest.newBuilder().setCollection(COLLECTION).setSkip(-1).build()));
        contained(Status.Code.INVALID_ARGUMENT, "collection name must not be empty",
                () -> docs(master).query(QueryRequest.newBuilder().build()));
        contained(Status.Code.INVALID_ARGUMENT, "can reserve 1 to 1000000 ids at a time, not -5",
                () -> docs(master).reserveIds(ReserveIdsRequest.newBuilder().setCollection(COLLECTION).setCount(-5).build()));
        contained(Status.Code.INVALID_ARGUMENT, "not 9223372036854775807",
                () -> docs(master).reserveIds(ReserveIdsRequest.newBuilder().setCollection(COLLECTION).setCount(Long.MAX_VALUE).build()));
        contained(Status.Code.INVALID_ARGUMENT, "page_size must be from 1 to 10000",
                () -> docs(master).digest(DigestRequest.newBuilder().setPageSize(-1).build()).hasNext());

        QueryResponse huge = docs(master).query(QueryRequest.newBuilder().setCollection(COLLECTION)
                .addFilters(FieldFilter.newBuilder().setField("v").setOp(FieldFilter.Op.GT).setValueJson("1e9999")).build());
        assertEquals(0, huge.getTotalResults(), "nothing stored is above 1e9999");
        QueryResponse past = docs(master).query(QueryRequest.newBuilder().setCollection(COLLECTION).setSkip(Integer.MAX_VALUE).build());
        assertEquals(0, past.getDocumentsCount());
        assertTrue(past.getTotalResults() >= 5);
    }

    // ---- protobuf bytes that do not parse ------------------------------------------------------

    /** Writes the request bytes as given, so a test can send what no generated stub would. */
    private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private static <Q, A> MethodDescriptor<byte[], A> raw(MethodDescriptor<Q, A> method) {
        return method.toBuilder(RAW, method.getResponseMarshaller()).build();
    }

    private static <A> A unary(MethodDescriptor<?, A> method, byte[] request) {
        return ClientCalls.blockingUnaryCall(master, raw(method), CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), request);
    }

    /** One length-delimited field, as protobuf encodes a string, bytes or message field. */
    private static byte[] field(int number, byte[] value) {
        ByteString.Output out = ByteString.newOutput();
        try {
            CodedOutputStream coded = CodedOutputStream.newInstance(out);
            coded.writeByteArray(number, value);
            coded.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteString().toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        return ByteString.copyFrom(a).concat(ByteString.copyFrom(b)).toByteArray();
    }

    /** A PutRequest whose id is the given bytes, not necessarily UTF-8. */
    private static byte[] putWithIdBytes(byte[] id) {
        return field(1, concat(field(1, id), field(3, "{}".getBytes())));
    }

    private static final String MALFORMED = "is not a valid protobuf message";

    private static PutRequest parse(byte[] request) {
        try {
            return PutRequest.parseFrom(request);
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void requestBytesThatDoNotParse_areInvalidArgument_onEveryMethod() {
        byte[] valid = PutRequest.newBuilder().setPut(put("hostile/raw", META, "{\"v\":1}")).build().toByteArray();
        assertEquals("h/ok", parse(putWithIdBytes("h/ok".getBytes())).getPut().getId(), "the hand-made encoding is protobuf's");
        byte[] truncated = java.util.Arrays.copyOf(valid, valid.length - 3);
        byte[] garbage = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F};
        byte[] notUtf8 = putWithIdBytes(new byte[] {'h', '/', (byte) 0xFF});
        byte[] overlong = putWithIdBytes(new byte[] {'h', '/', (byte) 0xC0, (byte) 0xAF});
        byte[] surrogate = putWithIdBytes(new byte[] {'h', '/', (byte) 0xED, (byte) 0xA0, (byte) 0x80});

        contained(Status.Code.INVALID_ARGUMENT, "the request to corvid.v1.Documents/Put " + MALFORMED + ": While parsing a protocol message, the input ended unexpectedly",
                () -> unary(DocumentsGrpc.getPutMethod(), truncated));
        contained(Status.Code.INVALID_ARGUMENT, "corvid.v1.Documents/Put " + MALFORMED, () -> unary(DocumentsGrpc.getPutMethod(), garbage));
        for (byte[] badId : List.of(notUtf8, overlong, surrogate)) {
            contained(Status.Code.INVALID_ARGUMENT, "corvid.v1.Documents/Put " + MALFORMED + ": Protocol message had invalid UTF-8",
                    () -> unary(DocumentsGrpc.getPutMethod(), badId));
        }
        byte[] getWithBadId = field(1, new byte[] {'h', '/', (byte) 0xFE});
        contained(Status.Code.INVALID_ARGUMENT, "corvid.v1.Documents/Get " + MALFORMED, () -> unary(DocumentsGrpc.getGetMethod(), getWithBadId));
        contained(Status.Code.INVALID_ARGUMENT, "corvid.v1.Documents/Batch " + MALFORMED, () -> unary(DocumentsGrpc.getBatchMethod(), garbage));
        contained(Status.Code.INVALID_ARGUMENT, "corvid.v1.Documents/BatchMany " + MALFORMED, () -> unary(DocumentsGrpc.getBatchManyMethod(), truncated));
        contained(Status.Code.INVALID_ARGUMENT, "corvid.v1.Documents/Delete " + MALFORMED, () -> unary(DocumentsGrpc.getDeleteMethod(), notUtf8));
        byte[] queryWithBadCollection = field(1, new byte[] {(byte) 0xC3});
        contained(Status.Code.INVALID_ARGUMENT, "corvid.v1.Documents/Query " + MALFORMED, () -> unary(DocumentsGrpc.getQueryMethod(), queryWithBadCollection));
        contained(Status.Code.INVALID_ARGUMENT, "corvid.v1.Documents/ReserveIds " + MALFORMED, () -> unary(DocumentsGrpc.getReserveIdsMethod(), garbage));
        contained(Status.Code.INVALID_ARGUMENT, "corvid.v1.Documents/Stats " + MALFORMED, () -> unary(DocumentsGrpc.getStatsMethod(), garbage));
        contained(Status.Code.INVALID_ARGUMENT, "corvid.v1.Documents/Topology " + MALFORMED, () -> unary(DocumentsGrpc.getTopologyMethod(), garbage));
        contained(Status.Code.INVALID_ARGUMENT, "corvid.v1.Documents/Digest " + MALFORMED,
                () -> ClientCalls.blockingServerStreamingCall(master, raw(DocumentsGrpc.getDigestMethod()),
                        CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS), garbage).hasNext());
    }

    /** A raw client call of a streaming method: what it received, and how it ended. */
    private record RawStream<A>(ClientCall<byte[], A> call, LinkedBlockingQueue<A> received, CompletableFuture<Status> ended) {
        static <A> RawStream<A> open(ManagedChannel channel, MethodDescriptor<?, A> method) {
            ClientCall<byte[], A> call = channel.newCall(raw(method), CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS));
            LinkedBlockingQueue<A> received = new LinkedBlockingQueue<>();
            CompletableFuture<Status> ended = new CompletableFuture<>();
            call.start(new ClientCall.Listener<>() {
                @Override
                public void onMessage(A message) {
                    received.add(message);
                }

                @Override
                public void onClose(Status status, Metadata trailers) {
                    ended.complete(status);
                }
            }, new Metadata());
            call.request(Integer.MAX_VALUE);
            return new RawStream<>(call, received, ended);
        }

        A next() throws InterruptedException {
            A message = received.poll(30, TimeUnit.SECONDS);
            assertTrue(message != null, "no message within 30 s");
            return message;
        }

        Status end() throws Exception {
            return ended.get(30, TimeUnit.SECONDS);
        }
    }

    private static byte[] exchangeGet(long callId, String id) {
        return ExchangeRequest.newBuilder().setCallId(callId).setGet(GetRequest.newBuilder().addIds(id)).build().toByteArray();
    }

    /** A bad message in the middle of an Exchange stream ends that stream only; a hostile call on it fails alone. */
    @Test
    void exchange_aMessageThatDoesNotParse_endsOnlyItsStream() throws Exception {
        State before = State.of();
        RawStream<ExchangeResponse> bad = RawStream.open(master, DocumentsGrpc.getExchangeMethod());
        RawStream<ExchangeResponse> other = RawStream.open(master, DocumentsGrpc.getExchangeMethod());

        bad.call().sendMessage(exchangeGet(1, "hostile/0"));
        assertTrue(bad.next().getGet().getResults(0).getFound());
        bad.call().sendMessage(ExchangeRequest.newBuilder().setCallId(2).setBatch(BatchRequest.newBuilder()
                .addCommands(Command.newBuilder().setPut(put("hostile/x", META, "{\"v\":1e99999}")))).build().toByteArray());
        ExchangeResponse refused = bad.next();
        assertEquals(Status.Code.INVALID_ARGUMENT.value(), refused.getError().getCode(), "a hostile call fails alone: " + refused);
        bad.call().sendMessage(exchangeGet(3, "hostile/0"));
        assertTrue(bad.next().getGet().getResults(0).getFound(), "and the stream goes on");

        bad.call().sendMessage(field(2, field(1, new byte[] {(byte) 0xFF}))); // a get whose id is not UTF-8
        Status ended = bad.end();
        assertEquals(Status.Code.INVALID_ARGUMENT, ended.getCode(), ended.toString());
        assertTrue(ended.getDescription().contains("corvid.v1.Documents/Exchange " + MALFORMED), ended.getDescription());

        other.call().sendMessage(exchangeGet(1, "hostile/1"));
        assertTrue(other.next().getGet().getResults(0).getFound(), "another stream is unaffected");
        other.call().halfClose();
        assertEquals(Status.Code.OK, other.end().getCode());
        assertEquals(before, State.of());
        assertServing(master);
    }

    /** A replica refuses a Replicate stream whose bytes do not parse, and goes on replicating from its master. */
    @Test
    void replicate_aMessageThatDoesNotParse_isRefused_andReplicationGoesOn() throws Exception {
        RawStream<?> hostile = RawStream.open(replica, ReplicationGrpc.getReplicateMethod());
        hostile.call().sendMessage(field(1, field(1, new byte[] {(byte) 0xC0, (byte) 0x80})));
        Status ended = hostile.end();
        assertEquals(Status.Code.INVALID_ARGUMENT, ended.getCode(), ended.toString());
        assertTrue(ended.getDescription().contains("corvid.v1.Replication/Replicate " + MALFORMED), ended.getDescription());
        assertServing(replica);

        putOne(put("hostile/after-replicate", META, "{\"v\":7}"));
        await("the replica still takes its master's changes").atMost(DEADLINE).pollInterval(Duration.ofMillis(50))
                .until(() -> docs(replica).get(GetRequest.newBuilder().addIds("hostile/after-replicate").build()).getResults(0).getFound());
        assertTrue(docs(master).topology(TopologyRequest.getDefaultInstance()).getReplicasList().stream().allMatch(r -> r.getConnected()));
    }

    // ---- what is accepted at the edge of the rules --------------------------------------------

    /**
     * Values at the edge of the rules, and ids that differ only by Unicode normalization, are
     * stored, served byte for byte, queried and sorted on every node, replicated and digested.
     */
    @Test
    void inputAtTheEdgeOfTheRules_isServedQueriedReplicatedAndDigested() throws Exception {
        String nfc = Normalizer.normalize("edge/café", Normalizer.Form.NFC);
        String nfd = Normalizer.normalize("edge/café", Normalizer.Form.NFD);
        List<PutCommand> edge = List.of(
                put("edge/huge", META, "{\"v\":1e9999}"),
                put("edge/tiny", META, "{\"v\":-1E-9999}"),
                put("edge/zero", META, "{\"v\":-0}"),
                put("edge/exact", META, "{\"v\":0.10000000000000000001}"),
                put("edge/long", META, "{\"v\":" + "9".repeat(1000) + "}"),
                put("edge/deep", META, "{\"v\":" + "[".repeat(999) + "]".repeat(999) + "}"),
                put("edge/pair", META, "{\"v\":\"\\uD83D\\uDE00 😀\"}"),
                put(nfc, META, "{\"v\":\"nfc\"}"),
                put(nfd, META, "{\"v\":\"nfd\"}"),
                put("edge/" + "😀".repeat(253) + "x", META, "{\"v\":\"an id of 512 chars\"}"));
        BatchRequest.Builder batch = BatchRequest.newBuilder();
        edge.forEach(p -> batch.addCommands(Command.newBuilder().setPut(p)));
        docs(master).batch(batch.build());

        List<String> ids = edge.stream().map(PutCommand::getId).toList();
        assertEquals(10, ids.stream().distinct().count(), "NFC and NFD ids are distinct");
        awaitCaughtUp();
        for (ManagedChannel node : List.of(master, replica)) {
            List<GetResult> got = docs(node).get(GetRequest.newBuilder().addAllIds(ids).build()).getResultsList();
            for (int i = 0; i < edge.size(); i++) {
                assertEquals(edge.get(i).getId(), got.get(i).getDocument().getId(), "the id round-trips");
                assertEquals(edge.get(i).getBodyJson(), got.get(i).getDocument().getBodyJson(), "the body is served as sent");
            }
            List<String> sorted = queried(node);
            assertEquals(List.of("edge/huge", "edge/long", "hostile/3"), sorted.subList(0, 3), "sorted by value, descending");
            assertEquals(List.of("edge/exact", "edge/zero", "edge/tiny", "hostile/2"), sorted.subList(sorted.size() - 4, sorted.size()));
        }
        ConsistencyReport report = cluster.checkConsistency(DEADLINE);
        assertTrue(report.consistent(), report.summary());
    }

    private static void awaitCaughtUp() {
        await("replicas caught up").atMost(DEADLINE).pollInterval(Duration.ofMillis(50)).ignoreExceptions()
                .until(() -> docs(master).topology(TopologyRequest.getDefaultInstance()).getReplicasList().stream()
                        .allMatch(r -> r.getConnected() && r.hasChangesBehind() && r.getChangesBehind() == 0));
    }
}
