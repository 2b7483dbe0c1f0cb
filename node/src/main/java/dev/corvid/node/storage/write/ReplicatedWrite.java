package dev.corvid.node.storage.write;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corvid.node.storage.BadRequestException;
import dev.corvid.node.storage.Change;
import dev.corvid.node.storage.DocumentIds;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.JsonRules;
import dev.corvid.node.storage.MetadataKeys;
import dev.corvid.node.storage.wal.LogEntry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A batch of the master's changes on its way through a replica's writer.
 *
 * <p>Invariants:
 * <ul>
 *   <li>the changes come in strictly increasing master etag order, all from one master;</li>
 *   <li>a change whose master etag is not after the source's last applied etag is skipped, so a
 *       change is never applied twice, whatever a reconnecting master sends again;</li>
 *   <li>the batch's puts and tombstones and the new "last master etag applied" form one log
 *       record: after a crash both are there or neither is;</li>
 *   <li>each applied change is stamped with this node's next etag (no etag checks: the master
 *       already decided), and a put keeps where it came from in {@value MetadataKeys#REPLICATION_SOURCE}
 *       and {@value MetadataKeys#SOURCE_ETAG}.</li>
 * </ul>
 * A tombstone for a document this replica does not have is skipped (there is nothing to delete).
 * A change from a master with another node tag than the last applied one (the master's data was
 * replaced) counts as new.
 */
final class ReplicatedWrite extends Pending<Etag> {

    /** A change with its replica-side metadata already built, so the writer thread only stamps. */
    private record Prepared(String id, Etag sourceEtag, boolean deleted, String collection, byte[] metadata,
                            byte[] body) {
    }

    private final String source;
    private final List<Prepared> changes;
    /** The master etag the batch brings the source's progress to (its last change's, or later). */
    private final Etag through;
    private Etag lastApplied;


    /**
     * @param through the master etag the source's progress moves to; null for the last change's.
     *                When set the batch may be empty: the master left out versions this node holds.
     * @throws IllegalArgumentException when the batch is empty without {@code through}, out of order,
     *                                  from several masters, or {@code through} is before its last change
     * @throws BadRequestException      when a put's metadata is not a JSON object (as sent by the master)
     */
    ReplicatedWrite(String source, List<Change> changes, Etag through) {
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("a replicated batch needs its source's node name");
        }
        if (changes.isEmpty() && (through == null || through.isEmpty())) {
            throw new IllegalArgumentException("a replicated batch needs at least one change");
        }
        this.source = source;
        this.changes = new ArrayList<>(changes.size());
        Etag previous = null;
        for (Change c : changes) {
            DocumentIds.checkId(c.id());
            if (c.etag() == null || c.etag().isEmpty()) {
                throw new IllegalArgumentException("replicated change of '" + c.id() + "' has no master etag");
            }
            if (previous != null && (c.etag().nodeTag() != previous.nodeTag() || c.etag().compareTo(previous) <= 0)) {
                throw new IllegalArgumentException("replicated changes out of master etag order: " + c.etag()
                        + " after " + previous);
            }
            previous = c.etag();
            this.changes.add(c.deleted() ? tombstone(c) : prepare(c));
        }
        if (through != null && previous != null
                && (through.nodeTag() != previous.nodeTag() || through.compareTo(previous) < 0)) {
            throw new IllegalArgumentException("a replicated batch's position " + through + " is before its last change "
                    + previous);
        }
        this.through = through != null ? through : previous;
    }

    private Prepared tombstone(Change c) {
        ObjectNode metadata = JsonRules.MAPPER.createObjectNode()
                .put(MetadataKeys.REPLICATION_SOURCE, source)
                .put(MetadataKeys.SOURCE_ETAG, c.etag().toString());
        try {
            return new Prepared(c.id(), c.etag(), true, null, JsonRules.MAPPER.writeValueAsBytes(metadata), null);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a parsed JSON tree", e);
        }
    }

    private Prepared prepare(Change c) {
        ObjectNode metadata = parseMetadata(c);
        metadata.put(MetadataKeys.REPLICATION_SOURCE, source);
        metadata.put(MetadataKeys.SOURCE_ETAG, c.etag().toString());
        JsonNode coll = metadata.get(MetadataKeys.COLLECTION);
        String collection = coll != null && coll.isTextual() ? coll.asText() : null;
        try {
            return new Prepared(c.id(), c.etag(), false, collection, JsonRules.MAPPER.writeValueAsBytes(metadata),
                    c.bodyJson().toByteArray());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a parsed JSON tree", e);
        }
    }

    private static ObjectNode parseMetadata(Change c) {
        if (c.bodyJson() == null) {
            throw new IllegalArgumentException("replicated put of '" + c.id() + "' has no body");
        }
        if (c.metadataJson() == null || c.metadataJson().isEmpty()) {
            return JsonRules.MAPPER.createObjectNode();
        }
        try {
            if (JsonRules.MAPPER.readTree(c.metadataJson().newInput()) instanceof ObjectNode object) {
                return object;
            }
        } catch (IOException e) {
            // reported below
        }
        throw new BadRequestException("replicated metadata of '" + c.id() + "' is not a JSON object");
    }

    @Override
    List<LogEntry> prepare(GroupView view) {
        Etag last = view.sourceProgress(source);
        List<LogEntry> entries = new ArrayList<>(changes.size() + 2);
        if (last == null || last.nodeTag() != through.nodeTag()) {
            String joined = dev.corvid.node.storage.Storage.joinedProgress(through.nodeTag());
            Etag before = Etag.fromLongs(0, view.issuedChange());
            entries.add(new LogEntry.SourceProgress(joined, before));
            view.setSourceProgress(joined, before);
        }
        for (Prepared c : changes) {
            if (!isNew(c.sourceEtag(), last)) {
                continue;
            }
            if (!c.deleted()) {
                Etag etag = view.nextEtag();
                view.set(c.id(), etag);
                entries.add(new LogEntry.Put(c.id(), etag, c.collection(), c.metadata(), c.body()));
            } else if (view.current(c.id()) != null) {
                Etag etag = view.nextEtag();
                view.set(c.id(), null);
                entries.add(new LogEntry.Delete(c.id(), etag, c.metadata()));
            }
        }
        Etag batchLast = through;
        if (isNew(batchLast, last)) {
            entries.add(new LogEntry.SourceProgress(source, batchLast));
            view.setSourceProgress(source, batchLast);
            lastApplied = batchLast;
        } else {
            lastApplied = last;
        }
        return entries;
    }

    private static boolean isNew(Etag sourceEtag, Etag lastApplied) {
        return lastApplied == null || sourceEtag.nodeTag() != lastApplied.nodeTag()
                || sourceEtag.compareTo(lastApplied) > 0;
    }

    /** The last master etag applied from the source once this batch is durable. */
    @Override
    Etag result() {
        return lastApplied;
    }

    /**
     * Yes: these changes are already durable on the master, which acknowledged them, so a reader
     * of this replica need not wait for the replica's own disk as well (that wait was most of the
     * replication lag). The master hears "applied" only after the sync, and a replica that crashes
     * before it restarts from its last synced batch and gets the rest from the master again.
     */
    @Override
    boolean visibleBeforeSync() {
        return true;
    }
}
