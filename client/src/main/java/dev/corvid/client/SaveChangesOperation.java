package dev.corvid.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corvid.proto.Command;
import dev.corvid.proto.WriteResponse;
import dev.corvid.proto.WriteResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One {@code saveChanges()}: collects the pending deletes and the new or changed entities into one
 * batch, and after the node applied it, records the new etags and calls {@code afterStore}; then,
 * when the session asked for write assurance the node could not meet in time, throws
 * {@link ReplicationTimeoutException} (the batch stays applied).
 * Preparing changes nothing in the session, so a failed batch leaves the session as it was.
 *
 * <p>Listener order for each new or changed entity: {@code beforeConversionToDocument},
 * {@code afterConversionToDocument}, {@code beforeStore} (again the conversion listeners if one
 * returned true), and after the batch succeeded, {@code afterStore} with the new {@code @etag}.
 */
final class SaveChangesOperation {

    private record Put(DocumentInfo info, ObjectNode snapshot, ObjectNode storedMetadata) {
    }

    private final UnitOfWork unitOfWork;
    private final EntityConverter converter;
    private final DatabaseCommands commands;
    private final boolean useOptimisticConcurrency;
    private final ReplicaEtagPolicy replicaEtags;
    private final WriteAssurance assurance;

    private final List<Command> batch = new ArrayList<>();
    private final List<String> deletedIds = new ArrayList<>();
    private final List<Put> puts = new ArrayList<>();

    SaveChangesOperation(UnitOfWork unitOfWork, EntityConverter converter, DatabaseCommands commands,
            boolean useOptimisticConcurrency, ReplicaEtagPolicy replicaEtags, WriteAssurance assurance) {
        this.replicaEtags = replicaEtags;
        this.assurance = assurance;
        this.unitOfWork = unitOfWork;
        this.converter = converter;
        this.commands = commands;
        this.useOptimisticConcurrency = useOptimisticConcurrency;
    }

    /** True when {@code info}'s entity or metadata differs from what was loaded or saved. */
    static boolean hasChanged(DocumentInfo info, EntityConverter converter) {
        return info.isNew() || differs(info, converter.snapshot(info.entity));
    }

    /** Whether an entity whose JSON is now {@code current}, or its metadata, differs from what was loaded or saved. */
    private static boolean differs(DocumentInfo info, ObjectNode current) {
        return !current.equals(info.original) || !Metadata.stored(info.metadata).equals(info.originalMetadata);
    }

    /** Sends the batch, if there is anything to send, and updates the session after success. */
    void execute() {
        prepare();
        if (batch.isEmpty()) {
            return;
        }
        WriteResponse response = commands.batch(batch, assurance);
        List<WriteResult> results = response.getResultsList();
        if (results.size() != batch.size()) {
            throw new CorvidException("the node answered " + results.size() + " results to a batch of "
                    + batch.size() + " commands");
        }
        complete(results);
        // The batch is applied whatever the replicas did: the session knows its etags before this may throw.
        DatabaseCommands.requireAssured(response, assurance, "saveChanges");
    }

    private void prepare() {
        for (Map.Entry<String, DocumentInfo> delete : unitOfWork.deletes().entrySet()) {
            DocumentInfo info = delete.getValue();
            Etag expected = info == null ? null : checkable(info, info.expectedEtagForDelete(useOptimisticConcurrency));
            batch.add(Command.newBuilder().setDelete(commands.deleteCommand(delete.getKey(), expected)).build());
            deletedIds.add(delete.getKey());
        }
        Listeners listeners = converter.listeners();
        boolean plain = listeners.conversion().isEmpty() && listeners.store().isEmpty();
        for (DocumentInfo info : unitOfWork.tracked()) {
            ObjectNode current = info.isNew() && !plain ? null : converter.snapshot(info.entity);
            if (!info.isNew() && !differs(info, current)) {
                continue;
            }
            ObjectNode document;
            ObjectNode snapshot;
            if (plain) {
                // Nothing can change the entity or its document from here on: one conversion
                // serves as the document sent and as the snapshot the next comparison uses.
                document = current;
                snapshot = current;
            } else {
                document = converter.toDocument(info.id, info.entity, info.metadata);
                boolean convertAgain = false;
                for (DocumentStoreListener l : listeners.store()) {
                    ObjectNode original = info.original == null ? null : info.original.deepCopy();
                    convertAgain |= l.beforeStore(info.id, info.entity, info.metadata, original);
                }
                if (convertAgain) {
                    document = converter.toDocument(info.id, info.entity, info.metadata);
                }
                snapshot = converter.snapshot(info.entity);
            }
            ObjectNode storedMetadata = Metadata.stored(info.metadata);
            Etag expected = checkable(info, info.expectedEtagForPut(useOptimisticConcurrency));
            batch.add(Command.newBuilder()
                    .setPut(commands.putCommand(info.id, expected, document, storedMetadata)).build());
            puts.add(new Put(info, snapshot, storedMetadata));
        }
    }

    /**
     * The etag to send for {@code info}'s check, given the one the session would send: an etag a
     * replica issued is sent as is, refused, or replaced by the master's etag of that version,
     * as {@link ReplicaEtagPolicy} says. Throws before anything of the batch is sent.
     */
    private Etag checkable(DocumentInfo info, Etag expected) {
        if (expected == null || expected.equals(Etag.EMPTY) || info.etagIssuedBy == null
                || !expected.equals(info.etag) || replicaEtags == ReplicaEtagPolicy.SEND_AS_IS) {
            return expected;
        }
        if (replicaEtags == ReplicaEtagPolicy.CHECK_MASTER_ETAG && info.masterEtag != null) {
            return info.masterEtag; // the master rejects it if the replica's copy was stale
        }
        throw new ReplicaEtagConcurrencyException(info.id, expected, info.etagIssuedBy);
    }

    private void complete(List<WriteResult> results) {
        int i = 0;
        for (String id : deletedIds) {
            assert results.get(i).getId().equals(id) : results.get(i).getId() + " != " + id;
            unitOfWork.deleteSaved(id);
            i++;
        }
        for (Put put : puts) {
            WriteResult result = results.get(i++);
            assert result.getId().equals(put.info().id) : result.getId() + " != " + put.info().id;
            put.info().markPersisted(Etag.fromWire(result.getEtag()), put.snapshot(), put.storedMetadata());
        }
        for (Put put : puts) {
            DocumentInfo info = put.info();
            for (DocumentStoreListener l : converter.listeners().store()) {
                l.afterStore(info.id, info.entity, info.metadata);
            }
        }
    }
}
