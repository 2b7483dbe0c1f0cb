package dev.corvid.client;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.corvid.client.routing.NodeCall;
import dev.corvid.client.routing.OperationKind;
import dev.corvid.client.routing.RequestContext;
import dev.corvid.client.transport.CallFailedException;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.Command;
import dev.corvid.proto.DeleteCommand;
import dev.corvid.proto.DeleteRequest;
import dev.corvid.proto.Document;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResult;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.QueryRequest;
import dev.corvid.proto.QueryResponse;
import dev.corvid.proto.WriteResponse;
import dev.corvid.proto.WriteResult;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * Low-level commands on raw JSON documents, for callers who do not want entities. Obtained from
 * {@link DocumentStore#getDatabaseCommands()} or, bound to a session (its request budget and its
 * routing), from {@link DocumentSession#getDatabaseCommands()}.
 *
 * <p>Expected etags: {@code null} means no check; {@link Etag#EMPTY} means the document must not
 * exist; any other etag must be the document's current one, else {@link ConcurrencyException}.
 * Ids are checked before anything is sent ({@link BadRequestException}).
 *
 * <p>Documents in conflict: a read that meets one asks the store's
 * {@link DocumentConflictListener}s, saves the first resolution with the conflict's etag (one more
 * request, with these commands' write assurance) and returns the resolved document, or throws
 * {@link ConflictException}; see {@link DocumentConflictListener}.
 */
public final class DatabaseCommands {

    private static final ByteString EMPTY_OBJECT = ByteString.copyFromUtf8("{}");

    private final RequestContext requests;
    private final ObjectMapper mapper;
    /** What {@link #put} and {@link #delete} wait for beyond the master. */
    private final WriteAssurance assurance;
    private final ConflictResolver conflicts;

    /** A write's answer and the node that gave it (whose etag sequence the answer's etags belong to). */
    private record Written(WriteResponse response, NodeCall.Target target) {
    }

    DatabaseCommands(RequestContext requests, ObjectMapper mapper, WriteAssurance assurance,
            ConflictResolver conflicts) {
        this.requests = requests;
        this.mapper = mapper;
        this.assurance = assurance;
        this.conflicts = conflicts;
    }

    /**
     * These commands, with {@link #put} and {@link #delete} returning only once {@code assurance}
     * is met ({@link ReplicationTimeoutException} when it is not and it says to throw). Shares
     * this object's session, request budget and routing; this object is unchanged.
     *
     * @param assurance {@link WriteAssurance#NONE} for none; the default is the store's
     *                  {@link Conventions#getWriteAssurance()}
     */
    public DatabaseCommands withWriteAssurance(WriteAssurance assurance) {
        return new DatabaseCommands(requests, mapper, Objects.requireNonNull(assurance, "assurance"), conflicts);
    }

    /** What {@link #put} and {@link #delete} of these commands wait for. */
    public WriteAssurance getWriteAssurance() {
        return assurance;
    }

    /**
     * Loads one document. A document in conflict is resolved by the listeners first (and saved:
     * one or, when the conflict changed meanwhile, up to three more requests).
     *
     * @return the document, or {@code null} when it does not exist (or was deleted, or a listener
     *         resolved its conflict by deleting it)
     * @throws ConflictException    when it is in conflict and no listener resolves it (nothing saved)
     * @throws ConcurrencyException when the conflict changed while the resolution was saved, twice
     */
    public JsonDocument get(String id) {
        return get(List.of(DocumentIds.check(id))).get(0);
    }

    /**
     * Loads several documents in one request; documents in conflict are resolved as by
     * {@link #get(String)}, every one decided before any resolution is saved.
     *
     * @return one entry per id, in order; {@code null} for a missing document
     * @throws ConflictException    when a listener resolves no document in conflict; the others
     *                              unresolved are suppressed exceptions of it; nothing was saved
     * @throws ConcurrencyException as {@link #get(String)}
     */
    public List<JsonDocument> get(Collection<String> ids) {
        return conflicts.resolve(fetch(ids), this, true);
    }

    /** {@link #get(Collection)} without resolving conflicts: holders come back as they are. */
    private List<JsonDocument> fetch(Collection<String> ids) {
        ids.forEach(DocumentIds::check);
        if (ids.isEmpty()) {
            return List.of();
        }
        GetRequest request = GetRequest.newBuilder().addAllIds(ids).build();
        return requests.execute(OperationKind.READ, "Get", (node, deadline, target) -> {
            List<GetResult> results = node.get(request, deadline).getResultsList();
            List<JsonDocument> documents = new ArrayList<>(results.size());
            for (GetResult result : results) {
                documents.add(result.getFound() ? toJsonDocument(result.getDocument(), target) : null);
            }
            return documents;
        });
    }

    /**
     * Loads one document as raw JSON, parsed nowhere on the client (see {@link RawJsonDocument}).
     * A document in conflict is resolved as by {@link #get(String)}.
     *
     * @return the document, or {@code null} when it does not exist
     * @throws ConflictException    as {@link #get(String)}
     * @throws ConcurrencyException as {@link #get(String)}
     */
    public RawJsonDocument getRaw(String id) {
        return getRaw(List.of(DocumentIds.check(id))).get(0);
    }

    /**
     * Loads several documents as raw JSON in one request: one entry per id, in order, {@code null}
     * for a missing one. The documents in conflict among them (their metadata says so) are
     * resolved as by {@link #get(Collection)}, through one more read of those ids.
     */
    public List<RawJsonDocument> getRaw(Collection<String> ids) {
        ids.forEach(DocumentIds::check);
        if (ids.isEmpty()) {
            return List.of();
        }
        GetRequest request = GetRequest.newBuilder().addAllIds(ids).build();
        List<Document> found = requests.execute(OperationKind.READ, "Get", (node, deadline, target) -> {
            List<GetResult> results = node.get(request, deadline).getResultsList();
            List<Document> documents = new ArrayList<>(results.size());
            for (GetResult result : results) {
                documents.add(result.getFound() ? result.getDocument() : null);
            }
            return documents;
        });
        List<RawJsonDocument> raw = new ArrayList<>(found.size());
        for (Document document : found) {
            if (document == null) {
                raw.add(null);
            } else if (Metadata.mayBeConflict(document.getMetadataJson())) {
                JsonDocument resolved = get(document.getId()); // rare: the tree path decides and saves
                raw.add(resolved == null ? null : new RawJsonDocument(resolved.getId(), resolved.getEtag(),
                        Metadata.toUtf8(mapper, resolved.getBody()), Metadata.toUtf8(mapper, Metadata.stored(resolved.getMetadata()))));
            } else {
                raw.add(new RawJsonDocument(document.getId(), Etag.fromWire(document.getEtag()), document.getBodyJson(),
                        document.getMetadataJson()));
            }
        }
        return raw;
    }

    /**
     * Stores one document given as raw JSON, sent as it is: the node checks that the body and the
     * metadata are JSON objects within its limits ({@link BadRequestException} otherwise, nothing
     * stored) and ignores the metadata keys only it sets ({@code @etag}, {@code @id}, the
     * replication and conflict keys). Without {@code @collection} in the metadata the document
     * belongs to no collection.
     *
     * @param expectedEtag null (no check), {@link Etag#EMPTY} (must not exist) or the current etag
     * @param bodyJson     the document, a JSON object in UTF-8
     * @param metadataJson its metadata, a JSON object in UTF-8, or null for none
     * @return the etag the node stamped on the new version
     * @throws ConcurrencyException        when {@code expectedEtag} does not match
     * @throws ReplicationTimeoutException as {@link #put(String, Etag, ObjectNode, ObjectNode)}
     */
    public Etag putRaw(String id, Etag expectedEtag, byte[] bodyJson, byte[] metadataJson) {
        Objects.requireNonNull(bodyJson, "bodyJson");
        PutCommand put = PutCommand.newBuilder()
                .setId(DocumentIds.check(id))
                .setExpectedEtag(Etag.toWire(expectedEtag))
                .setBodyJson(ByteString.copyFrom(bodyJson))
                .setMetadataJson(metadataJson == null ? EMPTY_OBJECT : ByteString.copyFrom(metadataJson))
                .build();
        return Etag.fromWire(send(put).response().getResults(0).getEtag());
    }

    /** {@link #putRaw(String, Etag, byte[], byte[])} with the JSON as strings. */
    public Etag putRaw(String id, Etag expectedEtag, String bodyJson, String metadataJson) {
        Objects.requireNonNull(bodyJson, "bodyJson");
        return putRaw(id, expectedEtag, bodyJson.getBytes(StandardCharsets.UTF_8),
                metadataJson == null ? null : metadataJson.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Stores one document.
     *
     * @param expectedEtag null (no check), {@link Etag#EMPTY} (must not exist) or the current etag
     * @param body         the document, a JSON object
     * @param metadata     metadata to store, may be null; {@code @etag} and {@code @id} are not stored
     * @return the etag the node stamped on the new version
     * @throws ConcurrencyException        when {@code expectedEtag} does not match
     * @throws ReplicationTimeoutException when {@link #getWriteAssurance()} was not met in time (the
     *                                     put itself succeeded)
     */
    public Etag put(String id, Etag expectedEtag, ObjectNode body, ObjectNode metadata) {
        Objects.requireNonNull(body, "body");
        PutCommand put = putCommand(id, expectedEtag, body,
                metadata == null ? mapper.createObjectNode() : Metadata.stored(metadata));
        return Etag.fromWire(send(put).response().getResults(0).getEtag());
    }

    private Written send(PutCommand put) {
        Written written = requests.execute(OperationKind.WRITE, "Put", extraTime(assurance),
                (node, deadline, target) -> new Written(node.put(PutRequest.newBuilder().setPut(put)
                        .setOptions(assurance.toWire(target.failoverWrite())).build(), deadline), target));
        requireAssured(written.response(), assurance, "Put");
        return written;
    }

    /**
     * Saves a listener's resolution of the conflict whose etag is {@code conflictEtag}, with these
     * commands' write assurance.
     *
     * @return the resolved document as saved; null for a delete
     * @throws ConcurrencyException when the conflict changed meanwhile
     */
    JsonDocument saveResolution(String id, Etag conflictEtag, ConflictResolution resolution) {
        assert conflictEtag != null : "a resolution is saved with the conflict's etag";
        if (resolution.isDelete()) {
            delete(id, conflictEtag);
            return null;
        }
        ObjectNode metadata = Metadata.stored(resolution.metadata()); // a copy, without @conflict/@conflicts
        Written written = send(putCommand(id, conflictEtag, resolution.body(), metadata));
        Etag etag = Etag.fromWire(written.response().getResults(0).getEtag());
        Metadata.annotate(metadata, id, etag);
        return new JsonDocument(id, etag, resolution.body().deepCopy(), metadata, written.target());
    }

    /**
     * One document as the master has it (failing over as reads do when it is down), conflicts not
     * resolved: the re-read after a resolution found the conflict changed.
     */
    JsonDocument readFromMaster(String id) {
        Runnable endScope = requests.forceReadFromMaster();
        try {
            return fetch(List.of(id)).get(0);
        } finally {
            endScope.run();
        }
    }

    /**
     * Deletes one document; deleting a missing document is a no-op (unless an etag other than
     * null is expected, which then fails).
     *
     * @param expectedEtag null (no check) or the document's current etag
     * @throws ConcurrencyException        when {@code expectedEtag} does not match
     * @throws ReplicationTimeoutException when {@link #getWriteAssurance()} was not met in time (the
     *                                     delete itself succeeded)
     */
    public void delete(String id, Etag expectedEtag) {
        DeleteCommand delete = deleteCommand(id, expectedEtag);
        WriteResponse response = requests.execute(OperationKind.WRITE, "Delete", extraTime(assurance),
                (node, deadline, target) -> node.delete(DeleteRequest.newBuilder().setDelete(delete)
                        .setOptions(assurance.toWire(target.failoverWrite())).build(), deadline));
        requireAssured(response, assurance, "Delete");
    }

    /**
     * Makes this session's reads go to the master until the returned scope is closed, so that
     * the etags they load are the master's, which is what a concurrency check on the master
     * compares with (each node stamps its own etags). Needed under
     * {@link FailoverBehavior#READ_FROM_ALL_SERVERS}, where a session may read from a replica.
     * Normal failover still applies when the master is down. Scopes nest; closing one restores
     * the routing from before it. Only this session is affected, not other sessions or threads.
     * On the store's own commands ({@link DocumentStore#getDatabaseCommands()}), which always
     * read from the master first, the scope changes nothing.
     *
     * @return the scope; close it (try-with-resources) to end it
     */
    public ReadScope forceReadFromMaster() {
        return new ReadScope(requests.forceReadFromMaster());
    }

    /** How much longer than the request timeout a write with {@code assurance} may take: the master's wait for replicas. */
    private static Duration extraTime(WriteAssurance assurance) {
        return assurance.isRequested() ? assurance.getTimeout() : Duration.ZERO;
    }

    /**
     * Throws when the node says {@code assurance} was not met and it asks to throw; the write
     * itself succeeded, so callers update what they know of it first.
     */
    static void requireAssured(WriteResponse response, WriteAssurance assurance, String operation) {
        if (!assurance.isRequested() || response.getAssuranceUnmet().isEmpty() || !assurance.isThrowOnTimeout()) {
            return;
        }
        List<String> ids = response.getResultsList().stream().map(WriteResult::getId).toList();
        throw new ReplicationTimeoutException(operation + " of " + ids + " is durable on "
                + (response.getWrittenToReplica() ? "the replica that took it as a failover write" : "the master")
                + ", but " + assurance + " was not met: " + response.getAssuranceUnmet()
                + ". The write was not undone and reaches the replicas as replication goes on; do not redo it as if it failed",
                ids, assurance.getNumberOfReplicas(), response.getReplicasConfirmed());
    }

    PutCommand putCommand(String id, Etag expectedEtag, ObjectNode body, ObjectNode storedMetadata) {
        return PutCommand.newBuilder()
                .setId(DocumentIds.check(id))
                .setExpectedEtag(Etag.toWire(expectedEtag))
                .setBodyJson(Metadata.toUtf8(mapper, body))
                .setMetadataJson(Metadata.toUtf8(mapper, storedMetadata))
                .build();
    }

    DeleteCommand deleteCommand(String id, Etag expectedEtag) {
        return DeleteCommand.newBuilder().setId(DocumentIds.check(id)).setExpectedEtag(Etag.toWire(expectedEtag)).build();
    }

    /**
     * Applies the commands atomically, the node answering once {@code assurance} is met or timed
     * out (see {@link #requireAssured}); one result per command, in order.
     */
    WriteResponse batch(List<Command> commands, WriteAssurance assurance) {
        return requests.execute(OperationKind.WRITE, "Batch", extraTime(assurance), (node, deadline, target) ->
                node.batch(BatchRequest.newBuilder().addAllCommands(commands)
                        .setOptions(assurance.toWire(target.failoverWrite())).build(), deadline));
    }

    /**
     * Runs a query; a collection the node never stored gives no documents. Documents in conflict
     * are resolved as by {@link #get(Collection)}; one resolved by a delete is left out.
     */
    List<JsonDocument> query(QueryRequest request) {
        return conflicts.resolve(runQuery(request), this, false);
    }

    private List<JsonDocument> runQuery(QueryRequest request) {
        return requests.execute(OperationKind.READ, "Query", (node, deadline, target) -> {
            QueryResponse response;
            try {
                response = node.query(request, deadline);
            } catch (CallFailedException e) {
                if (e.is(Status.Code.NOT_FOUND)) {
                    return List.of();
                }
                throw e;
            }
            List<JsonDocument> documents = new ArrayList<>(response.getDocumentsCount());
            for (Document document : response.getDocumentsList()) {
                documents.add(toJsonDocument(document, target));
            }
            return documents;
        });
    }

    int requestCount() {
        return requests.requests();
    }

    /** Ends a session's commands: later calls throw {@link IllegalStateException}. */
    void close() {
        requests.close();
    }

    private JsonDocument toJsonDocument(Document document, NodeCall.Target servedBy) {
        Etag etag = Etag.fromWire(document.getEtag());
        ObjectNode body = Metadata.parseObject(mapper, document.getBodyJson(), "body of '" + document.getId() + "'");
        ObjectNode metadata = Metadata.parseObject(mapper, document.getMetadataJson(),
                "metadata of '" + document.getId() + "'");
        Metadata.annotate(metadata, document.getId(), etag);
        return new JsonDocument(document.getId(), etag, body, metadata, servedBy);
    }
}
