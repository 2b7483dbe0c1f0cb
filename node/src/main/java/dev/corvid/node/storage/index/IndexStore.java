package dev.corvid.node.storage.index;

import dev.corvid.node.storage.Etag;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The durable side of the index as its last checkpoint left it (and, between a checkpoint's
 * writes and its commit, as far as the checkpoint has written): each id's current record, the
 * change order, the members of each collection (and of the tombstones and the documents without
 * one) and their counts. The index reads it for whatever
 * it does not hold in memory; it never writes it: the checkpoint receives {@link IndexWrite}s.
 *
 * <p>Every read may wait while a checkpoint is being committed, so the index never reads it
 * under its lock. The iterators are weakly consistent: they see some of the checkpoint's writes
 * made while they run, and never fail because of them.
 */
public interface IndexStore {

    /** The record of {@code id} (an encoded {@link DocumentRecord}), or null when there is none. Any thread. */
    byte[] record(String id);

    /** The change order from after {@code change} on: each id once, at its record's change counter, ascending. */
    Iterator<Map.Entry<Long, String>> changesAfter(long change);

    /**
     * The ids of the members of {@code group} from {@code fromId} on (null: from the first),
     * ascending; {@code fromId} itself only if {@code inclusive}. A group is a collection (its live
     * documents) or one of the two that are not ({@link DocumentRecord.Header#group}).
     */
    Iterator<String> members(String group, String fromId, boolean inclusive);

    /** Live documents. On open. */
    long documentCount();

    /** Tombstones. On open. */
    long tombstoneCount();

    /** Collection name to how many live documents it has; collections without any may be missing. On open. */
    Map<String, Long> collectionSizes();

    /** Every collection ever stored, also after its documents were deleted. On open. */
    Set<String> collections();

    /** Collection name to the last id of its sequence reserved. On open. */
    Map<String, Long> idSequences();

    /** Replication source (a master's node name) to the last master etag applied from it. On open. */
    Map<String, Etag> sourceProgress();

    /** The highest change counter the checkpoint records as issued (0 before any). On open. */
    long lastChange();
}
