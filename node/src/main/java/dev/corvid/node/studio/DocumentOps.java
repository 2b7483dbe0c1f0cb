package dev.corvid.node.studio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.MetadataKeys;
import dev.corvid.node.wire.WireEtag;
import dev.corvid.proto.ConcurrencyViolation;
import dev.corvid.proto.DeleteCommand;
import dev.corvid.proto.DeleteRequest;
import dev.corvid.proto.Document;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResult;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.QueryRequest;
import dev.corvid.proto.QueryResponse;
import dev.corvid.proto.WriteResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Studio's document operations, each one gRPC call to the current master (reads of every
 * node's copy go to each node): what a node answers, in the page's terms. The node validates
 * every write itself; a refusal comes back as its own message.
 */
final class DocumentOps {

    /** How long one call may take. */
    private static final long DEADLINE_MS = 5_000;
    /** The most documents {@link #conflicts} reads looking for conflicts. */
    static final int MAX_CONFLICT_SCAN = 50_000;
    private static final int SCAN_PAGE = 500;
    /** The longest preview of a body in a collection's listing, in characters. */
    private static final int PREVIEW_CHARS = 120;

    private final ClusterWatch watch;
    private final List<NodeConfig> nodes;
    private final ObjectMapper json;

    DocumentOps(ClusterWatch watch, List<NodeConfig> nodes, ObjectMapper json) {
        this.watch = watch;
        this.nodes = nodes;
        this.json = json;
    }

    private DocumentsGrpc.DocumentsBlockingStub on(String node) {
        return DocumentsGrpc.newBlockingStub(watch.channel(node)).withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS);
    }

    private DocumentsGrpc.DocumentsBlockingStub master() {
        return on(watch.latest().master());
    }

    Map<String, Object> collections() {
        List<String> names = watch.latest().nodes().stream().filter(n -> n.name().equals(watch.latest().master()))
                .findFirst().map(ClusterWatch.NodeView::collections).orElse(List.of());
        return Map.of("collections", names);
    }

    Map<String, Object> collection(String name, int skip, int take) {
        QueryResponse page = call(() -> master().query(QueryRequest.newBuilder().setCollection(name).setSkip(skip)
                .setTake(take).build()));
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Document d : page.getDocumentsList()) {
            String body = d.getBodyJson().toStringUtf8();
            docs.add(Map.of("id", d.getId(), "etag", WireEtag.text(d.getEtag()),
                    "preview", body.length() > PREVIEW_CHARS ? body.substring(0, PREVIEW_CHARS) + "…" : body));
        }
        return Map.of("collection", name, "total", page.getTotalResults(), "skip", skip, "take", take, "documents", docs);
    }

    /** The master's version with its metadata, and each node's etag for its own copy. */
    Map<String, Object> document(String id) {
        GetResult onMaster = call(() -> master().get(GetRequest.newBuilder().addIds(id).build())).getResults(0);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("id", id);
        out.put("found", onMaster.getFound());
        if (onMaster.getFound()) {
            Document d = onMaster.getDocument();
            ObjectNode metadata = object(d.getMetadataJson());
            metadata.put("@etag", WireEtag.text(d.getEtag()));
            out.put("etag", WireEtag.text(d.getEtag()));
            out.put("metadata", metadata);
            out.put("body", parse(d.getBodyJson()));
        }
        List<Map<String, Object>> copies = new ArrayList<>();
        String master = watch.latest().master();
        for (NodeConfig n : nodes) {
            Map<String, Object> copy = new LinkedHashMap<>();
            copy.put("name", n.name());
            copy.put("role", n.name().equals(master) ? "master" : "replica");
            try {
                GetResult r = on(n.name()).withDeadlineAfter(2, TimeUnit.SECONDS)
                        .get(GetRequest.newBuilder().addIds(id).build()).getResults(0);
                copy.put("found", r.getFound());
                copy.put("etag", r.getFound() ? WireEtag.text(r.getDocument().getEtag()) : null);
                JsonNode meta = r.getFound() ? object(r.getDocument().getMetadataJson()) : null;
                copy.put("sourceEtag", meta != null && meta.hasNonNull("@source-etag") ? meta.get("@source-etag").asText() : null);
                copy.put("replicationSource", meta != null && meta.hasNonNull("@replication-source")
                        ? meta.get("@replication-source").asText() : null);
                copy.put("error", null);
            } catch (StatusRuntimeException e) {
                copy.put("found", null);
                copy.put("etag", null);
                copy.put("sourceEtag", null);
                copy.put("replicationSource", null);
                copy.put("error", e.getStatus().getCode() + (e.getStatus().getDescription() == null ? ""
                        : ": " + e.getStatus().getDescription()));
            }
            copies.add(copy);
        }
        out.put("nodes", copies);
        return out;
    }

    /**
     * Writes {@code body} (text as typed, validated by the node) under {@code expected} (null: the
     * document must not exist yet), with {@code metadata} text, or the stored metadata when null.
     */
    Map<String, Object> put(String id, String expected, String body, String metadata) {
        ByteString meta;
        if (metadata != null) {
            meta = ByteString.copyFromUtf8(metadata);
        } else {
            GetResult current = call(() -> master().get(GetRequest.newBuilder().addIds(id).build())).getResults(0);
            meta = current.getFound() ? current.getDocument().getMetadataJson() : ByteString.EMPTY;
        }
        PutCommand.Builder put = PutCommand.newBuilder().setId(id).setBodyJson(ByteString.copyFromUtf8(body))
                .setMetadataJson(meta).setExpectedEtag(WireEtag.bytes(expected == null ? Etag.EMPTY : etag(expected)));
        WriteResponse written = call(() -> master().put(PutRequest.newBuilder().setPut(put).build()));
        return Map.of("id", id, "etag", WireEtag.text(written.getResults(0).getEtag()));
    }

    Map<String, Object> delete(String id, String expected) {
        DeleteCommand.Builder delete = DeleteCommand.newBuilder().setId(id);
        if (expected != null) {
            delete.setExpectedEtag(WireEtag.bytes(etag(expected)));
        }
        call(() -> master().delete(DeleteRequest.newBuilder().setDelete(delete).build()));
        return Map.of("id", id, "deleted", true);
    }

    /**
     * Resolves the conflict on {@code id} by keeping its version number {@code version} (0: the
     * master's, as {@code @conflicts} lists them): a put of that version's body and metadata, or a
     * delete when that version is a delete, under {@code expected}, the etag of the conflicted
     * document the page showed. A document saved since (or already resolved) is a
     * ConcurrencyException, as any stale edit.
     */
    Map<String, Object> resolve(String id, String expected, int version) {
        if (expected == null) {
            throw new StudioException(400, "\"etag\" is required: the etag of the conflicted document");
        }
        Etag conflictEtag = etag(expected);
        GetResult current = call(() -> master().get(GetRequest.newBuilder().addIds(id).build())).getResults(0);
        if (!current.getFound()) {
            throw new StudioException(404, "'" + id + "' is not on the master");
        }
        JsonNode versions = object(current.getDocument().getMetadataJson()).path(MetadataKeys.CONFLICTS);
        if (!versions.isArray() || versions.isEmpty()) {
            if (!WireEtag.etag(current.getDocument().getEtag()).equals(conflictEtag)) {
                // Resolved (or edited) by someone else since the page showed the conflict.
                throw concurrencyRefusal("'" + id + "' was saved since: it is at etag "
                        + WireEtag.text(current.getDocument().getEtag()) + ", not " + expected,
                        conflictEtag.toString(), WireEtag.text(current.getDocument().getEtag()));
            }
            throw new StudioException(409, "'" + id + "' is not in conflict: there is no version to pick",
                    Map.of("kind", "precondition"));
        }
        if (version < 0 || version >= versions.size()) {
            throw new StudioException(400, "version must be from 0 to " + (versions.size() - 1) + ", was " + version);
        }
        JsonNode chosen = versions.get(version);
        String node = chosen.path("node").asText("?");
        if (chosen.path("deleted").asBoolean(false)) {
            delete(id, expected);
            return Map.of("id", id, "kept", node, "deleted", true);
        }
        ByteString body = ByteString.copyFromUtf8(chosen.path("body").toString());
        ByteString metadata = ByteString.copyFromUtf8(chosen.path("metadata").isObject()
                ? chosen.path("metadata").toString() : "{}");
        PutCommand.Builder put = PutCommand.newBuilder().setId(id).setBodyJson(body).setMetadataJson(metadata)
                .setExpectedEtag(WireEtag.bytes(conflictEtag));
        WriteResponse written = call(() -> master().put(PutRequest.newBuilder().setPut(put).build()));
        return Map.of("id", id, "kept", node, "deleted", false, "etag", WireEtag.text(written.getResults(0).getEtag()));
    }

    /** Documents in conflict on the master, looking at no more than {@value #MAX_CONFLICT_SCAN}. */
    Map<String, Object> conflicts() {
        List<Map<String, Object>> found = new ArrayList<>();
        int scanned = 0;
        boolean complete = true;
        for (Object c : (List<?>) collections().get("collections")) {
            String collection = (String) c;
            for (int skip = 0; ; skip += SCAN_PAGE) {
                if (scanned >= MAX_CONFLICT_SCAN) {
                    complete = false;
                    break;
                }
                int from = skip;
                QueryResponse page = call(() -> master().query(QueryRequest.newBuilder().setCollection(collection)
                        .setSkip(from).setTake(SCAN_PAGE).build()));
                for (Document d : page.getDocumentsList()) {
                    JsonNode meta = object(d.getMetadataJson());
                    if (meta.path(MetadataKeys.CONFLICT).asBoolean(false)) {
                        found.add(Map.of("id", d.getId(), "collection", collection,
                                "versions", meta.path(MetadataKeys.CONFLICTS).size()));
                    }
                }
                scanned += page.getDocumentsCount();
                if (page.getDocumentsCount() < SCAN_PAGE) {
                    break;
                }
            }
        }
        return Map.of("conflicts", found, "scanned", scanned, "complete", complete);
    }

    private static Etag etag(String text) {
        try {
            return Etag.parse(text.trim());
        } catch (IllegalArgumentException e) {
            throw new StudioException(400, "'" + text + "' is not an etag: " + e.getMessage());
        }
    }

    private ObjectNode object(ByteString bytes) {
        JsonNode node = bytes.isEmpty() ? null : parse(bytes);
        return node instanceof ObjectNode o ? o : json.createObjectNode();
    }

    private JsonNode parse(ByteString bytes) {
        try {
            return json.readTree(bytes.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new StudioException(502, "the node sent JSON the Studio cannot read: " + e.getMessage());
        }
    }

    @FunctionalInterface
    private interface Call<T> {
        T run();
    }

    /** Runs a call; a node's refusal becomes the answer the page shows, in the node's words. */
    private static <T> T call(Call<T> call) {
        try {
            return call.run();
        } catch (StatusRuntimeException e) {
            throw refusal(e);
        }
    }

    static StudioException refusal(StatusRuntimeException e) {
        Status status = e.getStatus();
        String message = status.getDescription() == null ? status.getCode().toString() : status.getDescription();
        return switch (status.getCode()) {
            case ABORTED -> concurrency(e, message);
            case INVALID_ARGUMENT, OUT_OF_RANGE -> new StudioException(400, message);
            case RESOURCE_EXHAUSTED -> new StudioException(413, message);
            case PERMISSION_DENIED, UNAUTHENTICATED -> new StudioException(403, message);
            case NOT_FOUND -> new StudioException(404, message);
            case FAILED_PRECONDITION -> new StudioException(409, message, Map.of("kind", "precondition"));
            default -> new StudioException(503, "the master did not answer (" + status.getCode() + "): " + message);
        };
    }

    /** A write refused because the document is not at the etag the page had (409, both etags). */
    private static StudioException concurrencyRefusal(String message, String expectedEtag, String actualEtag) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("kind", "concurrency");
        fields.put("expectedEtag", expectedEtag);
        fields.put("actualEtag", actualEtag);
        return new StudioException(409, "ConcurrencyException: " + message, fields);
    }

    private static StudioException concurrency(StatusRuntimeException e, String message) {
        com.google.rpc.Status details = StatusProto.fromThrowable(e);
        if (details != null) {
            for (com.google.protobuf.Any any : details.getDetailsList()) {
                if (any.is(ConcurrencyViolation.class)) {
                    try {
                        ConcurrencyViolation v = any.unpack(ConcurrencyViolation.class);
                        return concurrencyRefusal(message,
                                v.getExpectedEtag().isEmpty() ? null : WireEtag.text(v.getExpectedEtag()),
                                v.getActualEtag().isEmpty() ? null : WireEtag.text(v.getActualEtag()));
                    } catch (InvalidProtocolBufferException ignored) {
                        break;
                    }
                }
            }
        }
        return new StudioException(409, message, Map.of("kind", "aborted"));
    }
}
