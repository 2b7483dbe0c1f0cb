package dev.corvid.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;

/**
 * A unit of work: loads and queries track entities (one instance per document id), {@code store}
 * and {@code delete} only record intentions, and {@link #saveChanges()} sends every new, changed
 * and deleted document in one atomic batch. Open one with {@link DocumentStore#openSession()}.
 *
 * <p>A session is meant for one thread and a short piece of work; it is cheap to open. It makes at
 * most {@link Conventions#getMaxNumberOfRequestsPerSession()} requests. {@link #close()} only ends
 * the session; unsaved changes are dropped.
 */
public final class DocumentSession implements AutoCloseable {

    private final DocumentStore store;
    private final EntityConverter converter;
    private final DatabaseCommands commands;
    private final UnitOfWork unitOfWork = new UnitOfWork();
    private final AdvancedSessionOperations advanced;
    private boolean useOptimisticConcurrency;
    /** What every {@link #saveChanges()} of this session waits for beyond the master. */
    private WriteAssurance writeAssurance;
    private boolean closed;

    DocumentSession(DocumentStore store, EntityConverter converter, DatabaseCommands commands,
            boolean useOptimisticConcurrency) {
        this.store = store;
        this.converter = converter;
        this.commands = commands;
        this.useOptimisticConcurrency = useOptimisticConcurrency;
        this.writeAssurance = commands.getWriteAssurance();
        this.advanced = new AdvancedSessionOperations(this);
    }

    /**
     * Loads one entity. A second load of the same id returns the same instance without a request.
     *
     * @return the entity, or {@code null} when the document does not exist or was deleted in this session
     * @throws BadRequestException when {@code id} breaks the id rules (nothing is sent)
     * @throws ConflictException   when the document is in conflict and no
     *                             {@link DocumentConflictListener} resolves it; nothing of this load is
     *                             tracked (see {@link #load(Class, Collection)})
     */
    public <T> T load(Class<T> type, String id) {
        return load(type, Collections.singletonList(id)).get(0);
    }

    /**
     * Loads several entities; the ids not yet in the session are fetched in one request.
     *
     * @return one entry per id, in order; {@code null} for a missing document
     */
    public <T> List<T> load(Class<T> type, String... ids) {
        return load(type, Arrays.asList(ids));
    }

    /**
     * Loads several entities; the ids not yet in the session are fetched in one request. A
     * document in conflict is resolved by the store's {@link DocumentConflictListener}s (as
     * registered when this session was opened): the resolution is saved with the conflict's etag,
     * one more request of this session, and the resolved version is what the session tracks
     * ({@code null} when the resolution deleted it).
     *
     * @return one entry per id, in order; {@code null} for a missing document
     * @throws ConflictException    when a document is in conflict and no listener resolves it;
     *                              nothing of this load is tracked or saved, so the caller may
     *                              store a resolution with {@link ConflictException#getEtag()}
     * @throws ConcurrencyException when the conflict changed under two saves of a resolution
     */
    public <T> List<T> load(Class<T> type, Collection<String> ids) {
        checkOpen();
        Objects.requireNonNull(type, "type");
        ids.forEach(DocumentIds::check);
        LinkedHashSet<String> toFetch = new LinkedHashSet<>();
        for (String id : ids) {
            if (unitOfWork.byId(id) == null && !unitOfWork.isDeleted(id) && !unitOfWork.isKnownMissing(id)) {
                toFetch.add(id);
            }
        }
        if (!toFetch.isEmpty()) {
            List<String> fetchIds = new ArrayList<>(toFetch);
            List<JsonDocument> documents = commands.get(fetchIds);
            for (int i = 0; i < fetchIds.size(); i++) {
                if (documents.get(i) == null) {
                    unitOfWork.markMissing(fetchIds.get(i));
                } else {
                    track(type, documents.get(i));
                }
            }
        }
        List<T> result = new ArrayList<>(ids.size());
        for (String id : ids) {
            DocumentInfo info = unitOfWork.byId(id);
            result.add(info == null ? null : cast(type, info));
        }
        return result;
    }

    /**
     * Stores an entity under its {@code id} property, or under a generated {@code <collection>/<n>}
     * id (set on the entity) when it has none. A generated id is always saved with
     * {@link Etag#EMPTY}, so it never overwrites. Storing an entity the session already tracks
     * does nothing.
     *
     * @throws NonUniqueObjectException when another instance with the same id is in the session
     */
    public void store(Object entity) {
        storeInternal(entity, null, null);
    }

    /** Stores an entity under {@code id} (also set on its id property). See {@link #store(Object)}. */
    public void store(Object entity, String id) {
        storeInternal(entity, null, DocumentIds.check(id));
    }

    /**
     * Stores an entity and, when {@code etag} is not null, forces a concurrency check of this
     * document with that etag whatever the session's setting ({@link Etag#EMPTY}: must not exist).
     * A null etag means no forced check.
     */
    public void store(Object entity, Etag etag) {
        storeInternal(entity, etag, null);
    }

    /** {@link #store(Object, Etag)} under the given id. */
    public void store(Object entity, Etag etag, String id) {
        storeInternal(entity, etag, DocumentIds.check(id));
    }

    private void storeInternal(Object entity, Etag etag, String explicitId) {
        checkOpen();
        Objects.requireNonNull(entity, "entity");
        DocumentInfo known = unitOfWork.byEntity(entity);
        if (known != null) {
            if (explicitId != null && !explicitId.equals(known.id)) {
                throw new IllegalArgumentException("this entity is already in the session as '" + known.id
                        + "'; it cannot be stored as '" + explicitId + "' too (store a new instance instead)");
            }
            if (etag != null) {
                known.etag = etag;
                known.etagIssuedBy = null; // the caller's etag: its origin is the caller's business
                known.masterEtag = null;
                known.forceConcurrencyCheck = true;
            }
            return;
        }
        IdProperty idProperty = IdProperty.of(entity.getClass());
        String id = explicitId != null ? explicitId : idProperty.get(entity);
        boolean generated = id == null || id.isEmpty();
        if (generated) {
            id = store.generateDocumentId(converter.collection(entity.getClass()));
        }
        DocumentIds.check(id);
        if (unitOfWork.byId(id) != null) {
            throw new NonUniqueObjectException("another instance with id '" + id + "' is already in this session; "
                    + "change that instance, or evict it before storing this one");
        }
        idProperty.set(entity, id);
        ObjectNode metadata = converter.newMetadata(entity.getClass());
        DocumentInfo info = new DocumentInfo(entity, id, metadata, generated);
        info.etag = etag;
        info.forceConcurrencyCheck = etag != null;
        Metadata.annotate(metadata, id, etag);
        unitOfWork.track(info);
    }

    /**
     * Deletes a tracked entity at the next {@link #saveChanges()}; with optimistic concurrency on,
     * the delete is checked against the etag it was loaded with. An entity stored in this session
     * and never saved is simply forgotten.
     *
     * @throws IllegalArgumentException when the entity is not in this session
     */
    public void delete(Object entity) {
        checkOpen();
        unitOfWork.delete(info(entity));
    }

    /**
     * Deletes a document by id at the next {@link #saveChanges()}. When the session tracks it, this
     * is {@link #delete(Object)}; otherwise the delete is sent without an etag check.
     */
    public void delete(String id) {
        checkOpen();
        DocumentIds.check(id);
        DocumentInfo info = unitOfWork.byId(id);
        if (info != null) {
            unitOfWork.delete(info);
        } else {
            unitOfWork.delete(id);
        }
    }

    /**
     * Sends all new, changed and deleted documents in one atomic batch; sends nothing when nothing
     * changed. Afterwards every tracked entity knows its new etag.
     *
     * @throws ConcurrencyException        when a check failed; nothing of the batch was applied and
     *                                     the session is unchanged, so the caller may refresh and retry
     * @throws ReplicationTimeoutException when the session waits for replication
     *                                     ({@code advanced().waitForReplicationAfterSaveChanges}) and
     *                                     too few replicas had the batch in time; the batch <b>is</b>
     *                                     applied and the session knows its new etags
     */
    public void saveChanges() {
        checkOpen();
        new SaveChangesOperation(unitOfWork, converter, commands, useOptimisticConcurrency,
                converter.conventions().getReplicaEtagPolicy(), writeAssurance).execute();
    }

    WriteAssurance writeAssurance() {
        return writeAssurance;
    }

    void setWriteAssurance(WriteAssurance value) {
        this.writeAssurance = value;
    }

    /** Starts a query over the collection of {@code type}; results are tracked like loaded entities. */
    public <T> DocumentQuery<T> query(Class<T> type) {
        checkOpen();
        return new DocumentQuery<>(this, type, converter.collection(type));
    }

    /** Advanced operations: concurrency setting, etags, metadata, eviction, refresh. */
    public AdvancedSessionOperations advanced() {
        return advanced;
    }

    /** Raw-JSON commands bound to this session: they count against its request budget. */
    public DatabaseCommands getDatabaseCommands() {
        return commands;
    }

    /** Ends the session, and its {@link #getDatabaseCommands()}. Unsaved changes are dropped. Idempotent. */
    @Override
    public void close() {
        closed = true;
        commands.close();
    }

    // ---- used by DocumentQuery and AdvancedSessionOperations ----

    /** Tracks query results; a document this session deletes (not yet saved) is left out. */
    <T> List<T> trackAll(Class<T> type, List<JsonDocument> documents) {
        List<T> entities = new ArrayList<>(documents.size());
        for (JsonDocument document : documents) {
            if (!unitOfWork.isDeleted(document.getId())) {
                entities.add(track(type, document));
            }
        }
        return entities;
    }

    DatabaseCommands commands() {
        return commands;
    }

    UnitOfWork unitOfWork() {
        return unitOfWork;
    }

    EntityConverter converter() {
        return converter;
    }

    boolean isUseOptimisticConcurrency() {
        return useOptimisticConcurrency;
    }

    void setUseOptimisticConcurrency(boolean value) {
        this.useOptimisticConcurrency = value;
    }

    DocumentInfo info(Object entity) {
        Objects.requireNonNull(entity, "entity");
        DocumentInfo info = unitOfWork.byEntity(entity);
        if (info == null) {
            throw new IllegalArgumentException("this " + entity.getClass().getName()
                    + " is not in the session: load, query or store it in this session first");
        }
        return info;
    }

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this session is closed; open a new one with DocumentStore.openSession()");
        }
    }

    private <T> T track(Class<T> type, JsonDocument document) {
        DocumentInfo known = unitOfWork.byId(document.getId());
        if (known != null) {
            return cast(type, known); // the identity map wins over what was just read
        }
        ObjectNode metadata = document.getMetadata();
        T entity = converter.toEntity(type, document.getId(), document.getBody(), metadata);
        DocumentInfo info = new DocumentInfo(entity, document.getId(), metadata, false);
        info.markPersisted(document.getEtag(), converter.snapshot(entity), Metadata.stored(metadata));
        info.recordOrigin(document.servedBy(), metadata);
        unitOfWork.track(info);
        return entity;
    }

    private static <T> T cast(Class<T> type, DocumentInfo info) {
        if (!type.isInstance(info.entity)) {
            throw new IllegalArgumentException("document '" + info.id + "' is already in this session as "
                    + info.entity.getClass().getName() + ", not " + type.getName());
        }
        return type.cast(info.entity);
    }
}
