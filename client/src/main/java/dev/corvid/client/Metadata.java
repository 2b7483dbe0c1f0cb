package dev.corvid.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;

/**
 * Metadata keys and the conversions between the metadata an application sees and the metadata a
 * node stores. {@code @etag} and {@code @id} are added on the client for the application and never
 * sent as stored metadata.
 */
final class Metadata {

    static final String ETAG = "@etag";
    static final String ID = "@id";
    static final String COLLECTION = "@collection";
    static final String JAVA_TYPE = "@java-type";
    /** On a replica: the master's etag of the version it holds. Kept by the node, never sent back. */
    static final String SOURCE_ETAG = "@source-etag";
    /** On a replica: where the version came from. Kept by the node, never sent back. */
    static final String REPLICATION_SOURCE = "@replication-source";

    /** On a document in conflict (a holder): {@code true}. Set by the node, never stored by a client. */
    static final String CONFLICT = "@conflict";
    /** On a holder: the versions in conflict (see {@link ConflictedVersion}). Set by the node, never stored by a client. */
    static final String CONFLICTS = "@conflicts";

    private Metadata() {
    }

    /**
     * A copy of {@code metadata} without the client-side keys and the replica-managed ones
     * ({@code @source-etag}, {@code @replication-source}) and the conflict keys ({@code @conflict},
     * {@code @conflicts}): what a client may store.
     */
    static ObjectNode stored(ObjectNode metadata) {
        ObjectNode copy = metadata.deepCopy();
        copy.remove(ETAG);
        copy.remove(ID);
        copy.remove(SOURCE_ETAG);
        copy.remove(REPLICATION_SOURCE);
        copy.remove(CONFLICT);
        copy.remove(CONFLICTS);
        return copy;
    }

    /**
     * Whether {@code metadata} is a holder's: {@code @conflict} is {@code true}. One key looked up,
     * so every read can afford it.
     */
    static boolean isConflict(ObjectNode metadata) {
        JsonNode flag = metadata.get(CONFLICT);
        return flag != null && flag.booleanValue();
    }

    /**
     * Whether metadata JSON as a node sent it may be a holder's: it contains {@code "@conflict"}.
     * A scan, no parse; a node writes its marks compactly, so a holder always passes, and anything
     * else that passes is decided by {@link #isConflict} on the parsed metadata.
     */
    static boolean mayBeConflict(ByteString metadataJson) {
        return metadataJson.toStringUtf8().contains("\"" + CONFLICT + "\"");
    }

    /** The {@code @source-etag} a replica keeps with a version, or null when there is none (or it is unreadable). */
    static Etag sourceEtag(ObjectNode metadata) {
        String text = metadata.path(SOURCE_ETAG).asText("");
        if (text.isEmpty()) {
            return null;
        }
        try {
            return Etag.parse(text);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Sets the client-side keys on {@code metadata} (in place). A null etag removes {@code @etag}. */
    static void annotate(ObjectNode metadata, String id, Etag etag) {
        metadata.put(ID, id);
        if (etag == null) {
            metadata.remove(ETAG);
        } else {
            metadata.put(ETAG, etag.toString());
        }
    }

    /** Parses a JSON object a node sent (UTF-8). */
    static ObjectNode parseObject(ObjectMapper mapper, ByteString json, String what) {
        if (json.isEmpty()) {
            return mapper.createObjectNode();
        }
        try {
            JsonNode node = mapper.readTree(json.newInput());
            if (node instanceof ObjectNode object) {
                return object;
            }
            throw new CorvidException(what + " is not a JSON object: " + abbreviate(json));
        } catch (IOException e) {
            throw new CorvidException(what + " is not valid JSON: " + abbreviate(json), e);
        }
    }

    /** The JSON text of a node, for the wire. */
    static String toJson(ObjectMapper mapper, JsonNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new BadRequestException("cannot write JSON: " + e.getOriginalMessage());
        }
    }

    /** The JSON of a node in UTF-8, for the wire, without a copy. */
    static ByteString toUtf8(ObjectMapper mapper, JsonNode node) {
        try {
            return UnsafeByteOperations.unsafeWrap(mapper.writeValueAsBytes(node));
        } catch (JsonProcessingException e) {
            throw new BadRequestException("cannot write JSON: " + e.getOriginalMessage());
        }
    }

    private static String abbreviate(ByteString json) {
        return json.size() <= 80 ? json.toStringUtf8() : json.substring(0, 80).toStringUtf8() + "...";
    }
}
