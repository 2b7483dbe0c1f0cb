package dev.corvid.node.storage.write;

import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.index.DocumentIndex;
import dev.corvid.node.storage.index.DocumentRecord;
import java.util.HashMap;
import java.util.Map;

/**
 * The state a batch is checked against: the index plus what earlier batches of the same group
 * changed. Changes of the batch being prepared, and the etags it issued, are kept only if the whole
 * batch passes. One per group; writer thread only.
 */
final class GroupView {
    private final DocumentIndex index;
    private final int nodeTag;
    private final int restart;
    private final Map<String, Etag> group = new HashMap<>();
    private final Map<String, Etag> batch = new HashMap<>();
    private final Map<String, Long> groupSequences = new HashMap<>();
    private final Map<String, Long> batchSequences = new HashMap<>();
    private final Map<String, Etag> groupSources = new HashMap<>();
    private final Map<String, Etag> batchSources = new HashMap<>();
    /** The change counter of the last etag issued, in the batch being prepared included. */
    private long lastChange;
    /** {@link #lastChange} before the batch being prepared. */
    private long keptChange;
    private Etag lastIssued;
    private Etag batchLastIssued;

    /** @param lastChange the change counter of the last etag issued before this group */
    GroupView(DocumentIndex index, int nodeTag, int restart, long lastChange) {
        this.index = index;
        this.nodeTag = nodeTag;
        this.restart = restart;
        this.lastChange = lastChange;
        this.keptChange = lastChange;
    }

    /** The current etag of a live document, or null when it is missing or deleted. */
    Etag current(String id) {
        if (batch.containsKey(id)) {
            return batch.get(id);
        }
        if (group.containsKey(id)) {
            return group.get(id);
        }
        return index.currentEtag(id);
    }

    /** Whether an earlier batch of this group, or the batch being prepared, changed {@code id}. */
    boolean changedInGroup(String id) {
        return batch.containsKey(id) || group.containsKey(id);
    }

    /** The document's record as the index has it (before this group); null when it never existed. */
    DocumentRecord indexRecord(String id) {
        return index.record(id);
    }

    /** Records the new state of a document: its new etag, or null once deleted. */
    void set(String id, Etag etag) {
        batch.put(id, etag);
    }

    Etag nextEtag() {
        Etag etag = Etag.of(nodeTag, restart, ++lastChange);
        batchLastIssued = etag;
        return etag;
    }

    long lastReservedId(String collection) {
        Long last = inGroup(batchSequences, groupSequences, collection);
        return last != null ? last : index.lastReservedId(collection);
    }

    void reserveIdsUpTo(String collection, long last) {
        batchSequences.put(collection, last);
    }

    /** The last master etag applied from a replication source, or null when none was. */
    Etag sourceProgress(String source) {
        Etag last = inGroup(batchSources, groupSources, source);
        return last != null ? last : index.sourceProgress(source);
    }

    /** The batch's value for {@code key}, else the group's, else null. */
    private static <V> V inGroup(Map<String, V> batch, Map<String, V> group, String key) {
        V value = batch.get(key);
        return value != null ? value : group.get(key);
    }

    void setSourceProgress(String source, Etag lastApplied) {
        batchSources.put(source, lastApplied);
    }

    /** The change counter of the last etag issued, by the batch being prepared too. */
    long issuedChange() {
        return lastChange;
    }

    /** The change counter of the last etag the kept batches issued. */
    long lastChange() {
        return keptChange;
    }

    /** The last etag the kept batches issued, or null when none did. */
    Etag lastIssued() {
        return lastIssued;
    }

    /** The batch passed: later batches of the group see its changes. */
    void keep() {
        group.putAll(batch);
        groupSequences.putAll(batchSequences);
        groupSources.putAll(batchSources);
        if (batchLastIssued != null) {
            lastIssued = batchLastIssued;
        }
        keptChange = lastChange;
        clearBatch();
    }

    /** The batch was rejected: it leaves no trace, the etags it took are issued again. */
    void discard() {
        lastChange = keptChange;
        clearBatch();
    }

    private void clearBatch() {
        batch.clear();
        batchSequences.clear();
        batchSources.clear();
        batchLastIssued = null;
    }
}
