package dev.corvid.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.function.Consumer;

/**
 * The less common operations of a {@link DocumentSession}, from {@link DocumentSession#advanced()}.
 * Methods that take an entity throw {@link IllegalArgumentException} when the entity is not in the
 * session, except {@link #getDocumentId} and {@link #hasChanged}.
 */
public final class AdvancedSessionOperations {

    private final DocumentSession session;

    AdvancedSessionOperations(DocumentSession session) {
        this.session = session;
    }

    /**
     * Makes every later {@code saveChanges()} of this session return only once a replica has
     * durably applied the batch (the defaults of {@link WriteAssurance#builder()}: one replica,
     * 15 s, throw on timeout).
     *
     * @see #waitForReplicationAfterSaveChanges(Consumer)
     */
    public void waitForReplicationAfterSaveChanges() {
        waitForReplicationAfterSaveChanges(options -> { });
    }

    /**
     * Makes every later {@code saveChanges()} of this session return only once as many replicas
     * as {@code options} says have durably applied the batch (applied it and synced their own
     * logs), as in ravendb-jvm-client:
     * <pre>{@code
     * session.advanced().waitForReplicationAfterSaveChanges(o -> o
     *         .withTimeout(Duration.ofSeconds(5)).numberOfReplicas(1).majority(false).throwOnTimeout(true));
     * }</pre>
     * When fewer had it in time, {@code saveChanges()} throws {@link ReplicationTimeoutException}
     * (unless {@code throwOnTimeout(false)}); the batch is applied and durable on the master either
     * way, and the session knows its new etags. The default for new sessions is
     * {@link Conventions#getWriteAssurance()}.
     *
     * @param options starts from the defaults of {@link WriteAssurance#builder()}
     */
    public void waitForReplicationAfterSaveChanges(Consumer<WriteAssurance.Builder> options) {
        WriteAssurance.Builder builder = WriteAssurance.builder();
        options.accept(builder);
        session.setWriteAssurance(builder.build());
    }

    /** What this session's {@code saveChanges()} waits for beyond the master ({@link WriteAssurance#NONE}: nothing). */
    public WriteAssurance getWriteAssurance() {
        return session.writeAssurance();
    }

    /** Whether saves check every loaded document's etag (and new ones with {@link Etag#EMPTY}). */
    public boolean isUseOptimisticConcurrency() {
        return session.isUseOptimisticConcurrency();
    }

    /**
     * Turns optimistic concurrency on or off for this session (the default comes from
     * {@link Conventions#isDefaultUseOptimisticConcurrency()}). With it on, every loaded document is
     * saved with the etag it was loaded with, every new one with {@link Etag#EMPTY}, and deletes
     * are checked too.
     */
    public void setUseOptimisticConcurrency(boolean value) {
        session.setUseOptimisticConcurrency(value);
    }

    /**
     * The etag the session knows for the entity: as loaded, as last saved, or as given to
     * {@code store(entity, etag)}; {@code null} for a new entity never saved.
     */
    public Etag getEtagFor(Object entity) {
        return session.info(entity).etag;
    }

    /**
     * The entity's metadata: {@code @collection}, {@code @java-type}, {@code @id} and (once known)
     * {@code @etag}. The node is live: changes to it (other than {@code @etag}/{@code @id}) are saved.
     */
    public ObjectNode getMetadataFor(Object entity) {
        return session.info(entity).metadata;
    }

    /** The entity's document id, or {@code null} when the entity is not in this session. */
    public String getDocumentId(Object entity) {
        DocumentInfo info = session.unitOfWork().byEntity(entity);
        return info == null ? null : info.id;
    }

    /** True when {@code saveChanges()} would send something. */
    public boolean hasChanges() {
        if (!session.unitOfWork().deletes().isEmpty()) {
            return true;
        }
        for (DocumentInfo info : session.unitOfWork().tracked()) {
            if (SaveChangesOperation.hasChanged(info, session.converter())) {
                return true;
            }
        }
        return false;
    }

    /** True when the entity is new or differs from what was loaded or saved; false when not in the session. */
    public boolean hasChanged(Object entity) {
        DocumentInfo info = session.unitOfWork().byEntity(entity);
        return info != null && SaveChangesOperation.hasChanged(info, session.converter());
    }

    /** Forgets the entity: it is no longer tracked or saved, and a later load fetches it again. */
    public void evict(Object entity) {
        session.checkOpen();
        session.unitOfWork().evict(session.info(entity));
    }

    /** Forgets every entity, pending delete and known-missing id of the session. */
    public void clear() {
        session.checkOpen();
        session.unitOfWork().clear();
    }

    /**
     * Reloads the entity from the node, overwriting its properties, metadata and etag (local
     * changes are lost). One request.
     *
     * @throws IllegalArgumentException when the entity is not in the session or was never saved
     * @throws CorvidException          when the document no longer exists (also when a
     *                                  {@link DocumentConflictListener} resolved its conflict by a delete)
     * @throws ConflictException        when it is in conflict and no listener resolves it; the
     *                                  entity is left as it was
     */
    public void refresh(Object entity) {
        session.checkOpen();
        DocumentInfo info = session.info(entity);
        if (info.isNew()) {
            throw new IllegalArgumentException("document '" + info.id + "' was never saved; there is nothing to refresh");
        }
        JsonDocument document = session.commands().get(info.id);
        if (document == null) {
            throw new CorvidException("document '" + info.id + "' no longer exists and was probably deleted");
        }
        info.metadata.removeAll();
        info.metadata.setAll(document.getMetadata());
        session.converter().updateEntity(entity, info.id, document.getBody(), info.metadata);
        info.markPersisted(document.getEtag(), session.converter().snapshot(entity), Metadata.stored(info.metadata));
        info.recordOrigin(document.servedBy(), info.metadata);
    }

    /** How many requests this session made so far (see {@link Conventions#getMaxNumberOfRequestsPerSession()}). */
    public int getNumberOfRequests() {
        return session.commands().requestCount();
    }
}
