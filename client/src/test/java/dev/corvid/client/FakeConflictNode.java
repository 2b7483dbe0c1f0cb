package dev.corvid.client;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.Command;
import dev.corvid.proto.ConcurrencyViolation;
import dev.corvid.proto.DeleteRequest;
import dev.corvid.proto.Document;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResponse;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.QueryRequest;
import dev.corvid.proto.QueryResponse;
import dev.corvid.proto.WriteResponse;
import dev.corvid.proto.WriteResult;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * An in-process node that serves documents as the node side of conflicts does: a holder carries
 * {@code @conflict}/{@code @conflicts} in its metadata and its own etag is the conflict's. Writes
 * are checked against the current etag (ABORTED with a ConcurrencyViolation on a mismatch), and
 * every Get, Query, Put, Delete and Batch is recorded. {@link #beforeNextWrite} lets a test change
 * the document between a client's read and its write, as another client would.
 */
final class FakeConflictNode extends DocumentsGrpc.DocumentsImplBase implements AutoCloseable {

    static final String PERSON = "dev.corvid.client.examples.Person";

    private final Map<String, Document> documents = new TreeMap<>(); // guarded by this
    private final AtomicLong lastEtag = new AtomicLong(0x100);
    final List<Object> received = new CopyOnWriteArrayList<>();
    /** Run (once) at the start of the next write, before its check. Guarded by this. */
    private Runnable beforeNextWrite;
    private final String name = InProcessServerBuilder.generateName();
    private final Server server;

    FakeConflictNode() throws IOException {
        server = InProcessServerBuilder.forName(name).directExecutor().addService(this).build().start();
    }

    /** A store on this node alone, unary calls, no topology cache; {@code setup} runs before initialize. */
    DocumentStore store(Consumer<DocumentStore> setup) {
        DocumentStore store = new DocumentStore("a:1").useChannelFactory(
                address -> InProcessChannelBuilder.forName(name).directExecutor().build());
        store.getConventions().setTopologyCacheDirectory(null);
        store.getConventions().setRequestTimeout(Duration.ofSeconds(5));
        store.getConventions().setTransportMode(TransportMode.UNARY);
        setup.accept(store);
        return store.initialize();
    }

    @Override
    public void close() {
        server.shutdownNow();
    }

    // ---- what a test puts on the node ----

    /** The next etag this node stamps. */
    Etag nextEtag() {
        return etag(lastEtag.incrementAndGet());
    }

    static Etag etag(long n) {
        return Etag.parse(String.format("01000000-0000-0001-0000-%012X", n));
    }

    /** Stores a plain person document; returns its etag. */
    synchronized Etag putPerson(String id, String name) {
        Etag etag = nextEtag();
        documents.put(id, document(id, etag, personMetadata(), Jsons.object("{\"name\":\"" + name + "\"}")));
        return etag;
    }

    /** Stores a holder with {@code versions} in {@code @conflicts}; returns its etag (the conflict's). */
    synchronized Etag putHolder(String id, ObjectNode... versions) {
        ObjectNode metadata = personMetadata();
        metadata.put("@conflict", true);
        ArrayNode conflicts = metadata.putArray("@conflicts");
        for (ObjectNode version : versions) {
            conflicts.add(version);
        }
        return putRaw(id, metadata);
    }

    /** Stores a document whose metadata is {@code metadata} as is, with body {@code {}}; returns its etag. */
    synchronized Etag putRaw(String id, ObjectNode metadata) {
        Etag etag = nextEtag();
        documents.put(id, document(id, etag, metadata, JsonNodeFactory.instance.objectNode()));
        return etag;
    }

    /** A version of a person, as {@code @conflicts} lists it. */
    static ObjectNode version(String node, Etag etag, String name) {
        ObjectNode version = JsonNodeFactory.instance.objectNode();
        version.put("node", node).put("etag", etag.toString()).put("deleted", false)
                .put("last-modified", "2026-12-02T03:04:05.678Z");
        version.set("metadata", personMetadata());
        version.set("body", Jsons.object("{\"name\":\"" + name + "\"}"));
        return version;
    }

    /** A delete, as {@code @conflicts} lists it. */
    static ObjectNode deletedVersion(String node, Etag etag) {
        ObjectNode version = JsonNodeFactory.instance.objectNode();
        version.put("node", node).put("etag", etag.toString()).put("deleted", true);
        return version;
    }

    static ObjectNode personMetadata() {
        return Jsons.object("{\"@collection\":\"People\",\"@java-type\":\"" + PERSON + "\"}");
    }

    synchronized void beforeNextWrite(Runnable change) {
        this.beforeNextWrite = change;
    }

    synchronized Document document(String id) {
        return documents.get(id);
    }

    /** The recorded requests of one type, in order. */
    <T> List<T> received(Class<T> type) {
        return received.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The recorded writes (Put, Delete, Batch). */
    List<Object> writes() {
        return received.stream().filter(r -> r instanceof PutRequest || r instanceof DeleteRequest
                || r instanceof BatchRequest).toList();
    }

    // ---- the service ----

    @Override
    public synchronized void get(GetRequest request, StreamObserver<GetResponse> out) {
        received.add(request);
        GetResponse.Builder response = GetResponse.newBuilder();
        for (String id : request.getIdsList()) {
            Document document = documents.get(id);
            if (document == null) {
                response.addResultsBuilder().setFound(false);
            } else {
                response.addResultsBuilder().setFound(true).setDocument(document);
            }
        }
        out.onNext(response.build());
        out.onCompleted();
    }

    @Override
    public synchronized void query(QueryRequest request, StreamObserver<QueryResponse> out) {
        received.add(request);
        QueryResponse.Builder response = QueryResponse.newBuilder();
        for (Document document : documents.values()) {
            String collection = Jsons.object(document.getMetadataJson().toStringUtf8()).path("@collection").asText();
            if (collection.equals(request.getCollection())) {
                response.addDocuments(document);
            }
        }
        out.onNext(response.setTotalResults(response.getDocumentsCount()).build());
        out.onCompleted();
    }

    @Override
    public synchronized void put(PutRequest request, StreamObserver<WriteResponse> out) {
        received.add(request);
        write(List.of(Command.newBuilder().setPut(request.getPut()).build()), out);
    }

    @Override
    public synchronized void delete(DeleteRequest request, StreamObserver<WriteResponse> out) {
        received.add(request);
        write(List.of(Command.newBuilder().setDelete(request.getDelete()).build()), out);
    }

    @Override
    public synchronized void batch(BatchRequest request, StreamObserver<WriteResponse> out) {
        received.add(request);
        write(request.getCommandsList(), out);
    }

    /** Checks every command, then applies them all: a batch is atomic. */
    private void write(List<Command> commands, StreamObserver<WriteResponse> out) {
        Runnable change = beforeNextWrite;
        beforeNextWrite = null;
        if (change != null) {
            change.run();
        }
        for (Command command : commands) {
            boolean delete = command.hasDelete();
            String id = delete ? command.getDelete().getId() : command.getPut().getId();
            ByteString expected = delete ? command.getDelete().getExpectedEtag() : command.getPut().getExpectedEtag();
            Document current = documents.get(id);
            if (!expected.isEmpty() && !expected.equals(current == null ? Etag.toWire(Etag.EMPTY) : current.getEtag())) {
                out.onError(violation(id, delete, expected, current));
                return;
            }
        }
        WriteResponse.Builder response = WriteResponse.newBuilder();
        for (Command command : commands) {
            if (command.hasDelete()) {
                documents.remove(command.getDelete().getId());
                response.addResults(WriteResult.newBuilder().setId(command.getDelete().getId()).setDeleted(true));
            } else {
                Etag etag = nextEtag();
                documents.put(command.getPut().getId(), Document.newBuilder().setId(command.getPut().getId())
                        .setEtag(Etag.toWire(etag)).setMetadataJson(command.getPut().getMetadataJson())
                        .setBodyJson(command.getPut().getBodyJson()).build());
                response.addResults(WriteResult.newBuilder().setId(command.getPut().getId()).setEtag(Etag.toWire(etag)));
            }
        }
        out.onNext(response.build());
        out.onCompleted();
    }

    private static StatusRuntimeException violation(String id, boolean delete, ByteString expected, Document current) {
        ConcurrencyViolation.Builder v = ConcurrencyViolation.newBuilder().setId(id).setExpectedEtag(expected)
                .setOperation(delete ? ConcurrencyViolation.Operation.DELETE : ConcurrencyViolation.Operation.PUT);
        if (current != null) {
            v.setActualEtag(current.getEtag());
        }
        return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                .setCode(Status.Code.ABORTED.value()).setMessage("etag mismatch on " + id)
                .addDetails(Any.pack(v.build())).build());
    }

    private static Document document(String id, Etag etag, ObjectNode metadata, ObjectNode body) {
        return Document.newBuilder().setId(id).setEtag(Etag.toWire(etag))
                .setMetadataJson(ByteString.copyFrom(metadata.toString(), StandardCharsets.UTF_8))
                .setBodyJson(ByteString.copyFrom(body.toString(), StandardCharsets.UTF_8)).build();
    }

    /** The ids, for assertions on what is left. */
    synchronized List<String> ids() {
        return new ArrayList<>(documents.keySet());
    }
}
