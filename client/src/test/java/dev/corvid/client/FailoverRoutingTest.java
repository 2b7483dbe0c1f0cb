package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.ConcurrencyViolation;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResponse;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.NotMaster;
import dev.corvid.proto.StatsRequest;
import dev.corvid.proto.WriteResponse;
import dev.corvid.proto.WriteResult;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The executor's retry rules, fed fake answers through in-process gRPC servers (one per "node";
 * a name with no server behaves like a refused connection): which failures fail over, and that
 * a write goes to a second node only when it provably never left the client.
 */
class FailoverRoutingTest {

    /** A node that answers every call with a fixed status (null: success) and records what it got. */
    private static final class FakeNode extends DocumentsGrpc.DocumentsImplBase {
        final AtomicReference<Status> answer = new AtomicReference<>();
        final List<Object> received = new CopyOnWriteArrayList<>();

        @Override
        public void get(GetRequest request, StreamObserver<GetResponse> out) {
            received.add(request);
            GetResponse.Builder response = GetResponse.newBuilder();
            request.getIdsList().forEach(id -> response.addResultsBuilder().setFound(false));
            reply(out, response.build());
        }

        @Override
        public void batch(BatchRequest request, StreamObserver<WriteResponse> out) {
            received.add(request);
            reply(out, WriteResponse.newBuilder().addResults(WriteResult.newBuilder().setId("people/1")
                    .setEtag(Etag.toWire(Etag.parse("01000000-0000-0001-0000-000000000001")))).build());
        }

        @Override
        public void stats(StatsRequest request, StreamObserver<NodeStats> out) {
            reply(out, NodeStats.getDefaultInstance());
        }

        private <T> void reply(StreamObserver<T> out, T value) {
            Status status = answer.get();
            if (status == null) {
                out.onNext(value);
                out.onCompleted();
            } else if (status.getCode() == Status.Code.ABORTED) {
                out.onError(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                        .setCode(status.getCode().value()).setMessage("mismatch")
                        .addDetails(Any.pack(ConcurrencyViolation.newBuilder().setId("people/1")
                                .setOperation(ConcurrencyViolation.Operation.PUT)
                                .setExpectedEtag(Etag.toWire(Etag.parse("01000000-0000-0001-0000-000000000001"))).build())).build()));
            } else if (status.getCode() == Status.Code.FAILED_PRECONDITION) {
                out.onError(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                        .setCode(status.getCode().value()).setMessage("not the master")
                        .addDetails(Any.pack(NotMaster.newBuilder().setMasterName("B").setMasterAddress("b:2").build()))
                        .build()));
            } else {
                out.onError(status.asRuntimeException());
            }
        }
    }

    private final Map<String, FakeNode> nodes = new ConcurrentHashMap<>();
    private final List<Server> servers = new ArrayList<>();
    private final List<DocumentStore> stores = new ArrayList<>();

    @AfterEach
    void stop() {
        stores.forEach(DocumentStore::close);
        servers.forEach(Server::shutdownNow);
    }

    private FakeNode node(String name) throws IOException {
        FakeNode node = new FakeNode();
        nodes.put(name, node);
        servers.add(InProcessServerBuilder.forName(unique(name)).directExecutor().addService(node).build().start());
        return node;
    }

    private String unique(String name) {
        return name + "-" + System.identityHashCode(this);
    }

    /** A store on in-process nodes "a:1" (master), "b:2", "c:3"; a name without a server refuses. */
    private DocumentStore store(FailoverBehavior... behaviors) {
        DocumentStore store = new DocumentStore("a:1", "b:2", "c:3").useChannelFactory(
                address -> InProcessChannelBuilder.forName(unique(address.substring(0, 1))).directExecutor().build());
        store.getConventions().setFailoverBehavior(behaviors);
        store.getConventions().setTopologyCacheDirectory(null);
        store.getConventions().setRequestTimeout(Duration.ofSeconds(5));
        stores.add(store);
        return store.initialize();
    }

    private static void save(DocumentStore store) {
        try (DocumentSession session = store.openSession()) {
            session.store(new dev.corvid.client.examples.Person("Oren"), "people/1");
            session.saveChanges();
        }
    }

    @Test
    void read_masterUnavailable_goesToTheNextNode_andMarksTheMasterFailed() throws IOException {
        FakeNode a = node("a");
        FakeNode b = node("b");
        a.answer.set(Status.UNAVAILABLE.withDescription("stopping"));
        DocumentStore store = store(FailoverBehavior.ALLOW_READS_FROM_SECONDARIES);
        store.getDatabaseCommands().get("people/1");
        assertEquals(1, a.received.size());
        assertEquals(1, b.received.size());
        assertTrue(store.routingState().isFailed("a:1"));
    }

    @Test
    void read_masterDeadlineExceeded_failsOverToo() throws IOException {
        FakeNode a = node("a");
        FakeNode b = node("b");
        a.answer.set(Status.DEADLINE_EXCEEDED);
        store(FailoverBehavior.ALLOW_READS_FROM_SECONDARIES).getDatabaseCommands().get("people/1");
        assertEquals(1, b.received.size());
    }

    @Test
    void read_concurrencyBadRequestOrNotFound_neverFailOver() throws IOException {
        FakeNode a = node("a");
        FakeNode b = node("b");
        DocumentStore store = store(FailoverBehavior.ALLOW_READS_FROM_SECONDARIES);
        for (Status status : new Status[] {Status.ABORTED, Status.INVALID_ARGUMENT, Status.NOT_FOUND}) {
            a.answer.set(status);
            assertThrows(CorvidException.class, () -> store.getDatabaseCommands().get("people/1"), status.toString());
        }
        assertEquals(3, a.received.size());
        assertEquals(0, b.received.size());
        assertFalse(store.routingState().isFailed("a:1"));
    }

    @Test
    void write_concurrencyError_isAConcurrencyException_notRetried() throws IOException {
        FakeNode a = node("a");
        FakeNode b = node("b");
        a.answer.set(Status.ABORTED);
        DocumentStore store = store(FailoverBehavior.ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES);
        assertThrows(ConcurrencyException.class, () -> save(store));
        assertEquals(0, b.received.size());
    }

    @Test
    void write_masterAnswersUnavailable_mayHaveBeenReceived_soItIsNotSentToAReplica() throws IOException {
        FakeNode a = node("a");
        FakeNode b = node("b");
        a.answer.set(Status.UNAVAILABLE.withDescription("stopping"));
        DocumentStore store = store(FailoverBehavior.ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES);
        NodeUnreachableException e = assertThrows(NodeUnreachableException.class, () -> save(store));
        assertTrue(e.getMessage().contains("may have reached the node, so it was not retried on another node"),
                e.getMessage());
        assertEquals(1, a.received.size());
        assertEquals(0, b.received.size());
    }

    @Test
    void write_masterDeadlineExceeded_isNotProvablyUnsent_soItIsNotSentToAReplica() throws IOException {
        FakeNode a = node("a");
        FakeNode b = node("b");
        a.answer.set(Status.DEADLINE_EXCEEDED);
        assertThrows(NodeUnreachableException.class,
                () -> save(store(FailoverBehavior.ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES)));
        assertEquals(0, b.received.size());
    }

    @Test
    void write_aNodeThatIsNotTheMaster_namesIt_andTheWriteIsSentThereOnce_countedAsARetry() throws IOException {
        FakeNode a = node("a");
        FakeNode b = node("b");
        a.answer.set(Status.FAILED_PRECONDITION);
        DocumentStore store = store(FailoverBehavior.FAIL_IMMEDIATELY);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new CorvidClientMetrics(store).bindTo(registry);
        save(store);
        assertEquals(1, a.received.size());
        BatchRequest sent = assertInstanceOf(BatchRequest.class, b.received.get(0));
        assertFalse(sent.getOptions().getFailoverWrite(), "b:2 is the master now: not a failover write");
        assertEquals(1, registry.get("corvid.client.retries").tag("reason", "not_master").tag("operation", "Batch")
                .counter().count());
        assertEquals(1, registry.get("corvid.client.requests").tag("node", "a:1").tag("outcome", "error").timer().count());
        assertEquals(1, registry.get("corvid.client.requests").tag("node", "b:2").tag("outcome", "success").timer().count());
        assertTrue(registry.find("corvid.client.failovers").counters().isEmpty(), "a node that answers is no failover");
    }

    @Test
    void write_masterRefusesConnections_goesToTheFirstLiveReplica_asAFailoverWrite() throws IOException {
        FakeNode b = node("b"); // no server "a": the connection is refused, nothing was sent
        save(store(FailoverBehavior.ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES));
        BatchRequest sent = assertInstanceOf(BatchRequest.class, b.received.get(0));
        assertTrue(sent.getOptions().getFailoverWrite());
    }

    @Test
    void write_masterRefusesConnections_behaviorForbidsReplicas_masterUnavailableWithTheCause() throws IOException {
        FakeNode b = node("b");
        MasterUnavailableException e = assertThrows(MasterUnavailableException.class,
                () -> save(store(FailoverBehavior.ALLOW_READS_FROM_SECONDARIES)));
        assertTrue(e.getMessage().startsWith("Could not replicate POST operation to secondary node, "
                + "failover behavior is: AllowReadsFromSecondaries (Batch on the master a:1 failed, it is unreachable: UNAVAILABLE"),
                e.getMessage());
        assertEquals(Status.Code.UNAVAILABLE, assertInstanceOf(StatusRuntimeException.class, e.getCause()).getStatus().getCode());
        assertEquals(0, b.received.size());
    }

    @Test
    void write_toTheMaster_isNotFlaggedAsAFailoverWrite() throws IOException {
        FakeNode a = node("a");
        save(store(FailoverBehavior.ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES));
        assertFalse(assertInstanceOf(BatchRequest.class, a.received.get(0)).getOptions().getFailoverWrite());
    }

    @Test
    void write_everyNodeRefuses_masterUnavailableListsWhatWasTried() {
        MasterUnavailableException e = assertThrows(MasterUnavailableException.class,
                () -> save(store(FailoverBehavior.ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES)));
        assertTrue(e.getMessage().startsWith("The master a:1 is unreachable and no replica could take the Batch operation "
                + "as a failover write (tried a:1, b:2, c:3"), e.getMessage());
        assertEquals(2, e.getSuppressed().length);
    }

    @Test
    void failedMaster_isProbed_andUsedAgainOnceItAnswers() throws IOException {
        FakeNode b = node("b");
        DocumentStore store = store(FailoverBehavior.ALLOW_READS_FROM_SECONDARIES);
        store.getDatabaseCommands().get("people/1"); // a refuses: served by b, a marked failed
        assertTrue(store.routingState().isFailed("a:1"));
        FakeNode a = node("a");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
                .until(() -> !store.routingState().isFailed("a:1"));
        store.getDatabaseCommands().get("people/1");
        assertEquals(1, a.received.size());
        assertEquals(1, b.received.size());
    }
}
