package dev.corvid.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * One of the versions of a document in conflict, as the node keeps it: which node took the write,
 * the etag that node stamped on it, and the version itself (or that it is a delete). Handed to a
 * {@link DocumentConflictListener} and carried by {@link ConflictException}. Immutable: the getters
 * return copies.
 *
 * <p>The node lists the versions in the holder's {@code @conflicts} metadata, the master's own
 * current version first; a node's name and etag together identify a version (etags of different
 * nodes never compare equal, so two versions may carry equal-looking etags from different nodes).
 */
public final class ConflictedVersion {

    private final String nodeName;
    private final Etag etag;
    private final boolean deleted;
    /** Null when {@link #deleted}; never handed out, only copies of it. */
    private final ObjectNode body;
    /** Null when {@link #deleted}; never handed out, only copies of it. */
    private final ObjectNode metadata;
    private final String lastModified;

    private ConflictedVersion(String nodeName, Etag etag, boolean deleted, ObjectNode body, ObjectNode metadata,
            String lastModified) {
        assert deleted == (body == null) && deleted == (metadata == null) : "only a delete has no body and metadata";
        this.nodeName = nodeName;
        this.etag = etag;
        this.deleted = deleted;
        this.body = body;
        this.metadata = metadata;
        this.lastModified = lastModified;
    }

    /** The name of the node that took the write of this version (a node's configured name, like {@code "A"}). */
    public String getNodeName() {
        return nodeName;
    }

    /** The etag {@link #getNodeName()}'s node stamped on this version; never null. */
    public Etag getEtag() {
        return etag;
    }

    /** True when this version is a delete: it then has no body and no metadata. */
    public boolean isDeleted() {
        return deleted;
    }

    /** A copy of the version's body; {@code null} when {@link #isDeleted()}. */
    public ObjectNode getBody() {
        return body == null ? null : body.deepCopy();
    }

    /**
     * A copy of the version's own metadata (its {@code @collection}, {@code @java-type} and what the
     * application stored); {@code null} when {@link #isDeleted()}, an empty object when the node
     * sent none.
     */
    public ObjectNode getMetadata() {
        return metadata == null ? null : metadata.deepCopy();
    }

    /** When the node took this version, as the node wrote it (ISO-8601 UTC); {@code null} when it did not say. */
    public String getLastModified() {
        return lastModified;
    }

    /** Node and etag, and "deleted" for a delete: {@code A 01000000-0000-0001-0000-00000000002A}. */
    @Override
    public String toString() {
        return nodeName + " " + etag + (deleted ? " (deleted)" : "");
    }

    /**
     * The versions of the holder {@code id}, from its metadata's {@code @conflicts}.
     *
     * @throws CorvidException naming {@code id} when {@code @conflicts} is not an array of at least
     *                         two versions, or a version lacks its node, its etag, or (unless it
     *                         is a delete) its body
     */
    static List<ConflictedVersion> parseAll(String id, ObjectNode holderMetadata) {
        JsonNode conflicts = holderMetadata.get(Metadata.CONFLICTS);
        if (conflicts == null || !conflicts.isArray()) {
            throw malformed(id, Metadata.CONFLICTS + " is " + (conflicts == null ? "missing" : "not an array"));
        }
        if (conflicts.size() < 2) {
            throw malformed(id, Metadata.CONFLICTS + " lists " + conflicts.size() + " version(s); a conflict has at least 2");
        }
        List<ConflictedVersion> versions = new ArrayList<>(conflicts.size());
        for (int i = 0; i < conflicts.size(); i++) {
            versions.add(parse(id, i, conflicts.get(i)));
        }
        return List.copyOf(versions);
    }

    private static ConflictedVersion parse(String id, int index, JsonNode json) {
        if (!(json instanceof ObjectNode version)) {
            throw malformed(id, "version " + index + " is not a JSON object");
        }
        String node = text(id, index, version, "node");
        if (node == null || node.isEmpty()) {
            throw malformed(id, "version " + index + " has no \"node\"");
        }
        String etagText = text(id, index, version, "etag");
        if (etagText == null) {
            throw malformed(id, "version " + index + " has no \"etag\"");
        }
        Etag etag;
        try {
            etag = Etag.parse(etagText);
        } catch (BadRequestException e) {
            throw new CorvidException(prefix(id) + "version " + index + " has an unreadable \"etag\": " + e.getMessage(), e);
        }
        JsonNode deletedNode = version.get("deleted");
        if (deletedNode != null && !deletedNode.isBoolean()) {
            throw malformed(id, "version " + index + " has a \"deleted\" that is not true or false");
        }
        boolean deleted = deletedNode != null && deletedNode.booleanValue(); // absent: a live version
        String lastModified = text(id, index, version, "last-modified");
        if (deleted) {
            return new ConflictedVersion(node, etag, true, null, null, lastModified);
        }
        ObjectNode body = object(id, index, version, "body");
        if (body == null) {
            throw malformed(id, "version " + index + " is not a delete but has no \"body\"");
        }
        ObjectNode metadata = object(id, index, version, "metadata");
        return new ConflictedVersion(node, etag, false, body,
                metadata == null ? JsonNodeFactory.instance.objectNode() : metadata, lastModified);
    }

    /** The text of {@code field}; null when absent or JSON null; malformed when another kind of value. */
    private static String text(String id, int index, ObjectNode version, String field) {
        JsonNode value = version.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw malformed(id, "version " + index + " has a \"" + field + "\" that is not text");
        }
        return value.textValue();
    }

    /** The object {@code field}; null when absent or JSON null; malformed when another kind of value. */
    private static ObjectNode object(String id, int index, ObjectNode version, String field) {
        JsonNode value = version.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!(value instanceof ObjectNode object)) {
            throw malformed(id, "version " + index + " has a \"" + field + "\" that is not a JSON object");
        }
        return object;
    }

    private static CorvidException malformed(String id, String what) {
        return new CorvidException(prefix(id) + what);
    }

    private static String prefix(String id) {
        return "document '" + id + "' is in conflict but the node sent " + Metadata.CONFLICTS
                + " this client cannot read: ";
    }
}
