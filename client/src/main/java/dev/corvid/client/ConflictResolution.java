package dev.corvid.client;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * What a {@link DocumentConflictListener} decided for a document in conflict: keep this body and
 * metadata ({@link #put}) or delete the document ({@link #delete()}). Immutable.
 */
public final class ConflictResolution {

    private static final ConflictResolution DELETE = new ConflictResolution(null, null);

    /** Null for a delete. */
    private final ObjectNode body;
    /** Null for a delete; never holds {@code @conflict} or {@code @conflicts} once saved (they are stripped). */
    private final ObjectNode metadata;

    private ConflictResolution(ObjectNode body, ObjectNode metadata) {
        this.body = body;
        this.metadata = metadata;
    }

    /**
     * Resolves by storing {@code body} with {@code metadata}: typically one version's
     * {@link ConflictedVersion#getBody()} and {@link ConflictedVersion#getMetadata()}, or a merge.
     * Both are copied here, so later changes to them do not count. {@code @etag}, {@code @id},
     * {@code @conflict}, {@code @conflicts} and the replica-managed keys are not stored.
     *
     * @param body     the document to keep, a JSON object
     * @param metadata its metadata ({@code @collection} and {@code @java-type} as the version had
     *                 them); {@code null} for none
     * @throws NullPointerException when {@code body} is null
     */
    public static ConflictResolution put(ObjectNode body, ObjectNode metadata) {
        Objects.requireNonNull(body, "body");
        return new ConflictResolution(body.deepCopy(),
                metadata == null ? JsonNodeFactory.instance.objectNode() : metadata.deepCopy());
    }

    /** Resolves by deleting the document: the read then finds no document. */
    public static ConflictResolution delete() {
        return DELETE;
    }

    /** True for {@link #delete()}. */
    boolean isDelete() {
        return body == null;
    }

    /** The body to store; null for a delete. Not a copy: callers copy before handing it out. */
    ObjectNode body() {
        return body;
    }

    /** The metadata to store (before stripping); null for a delete. Not a copy. */
    ObjectNode metadata() {
        return metadata;
    }

    @Override
    public String toString() {
        return isDelete() ? "ConflictResolution{delete}" : "ConflictResolution{put}";
    }
}
