package dev.corvid.node.storage.index;

import dev.corvid.node.storage.Etag;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * The durable side of the index as its last checkpoint left it: what {@link DocumentIndex} is
 * rebuilt from when storage opens, and where it reads the records it no longer holds in memory.
 * The index never writes it; the checkpoint receives {@link IndexWrite}s instead.
 */
public interface IndexStore {

    /**
     * The checkpointed record of {@code id} (an encoded {@link DocumentRecord}), or null when there
     * is none. Any thread; may wait while a checkpoint is being committed.
     */
    byte[] record(String id);

    /** Calls {@code visitor} with every checkpointed record, in no particular order. On open. */
    void forEachRecord(BiConsumer<String, byte[]> visitor);

    /** Every collection ever stored, also after its documents were deleted. On open. */
    Set<String> collections();

    /** Collection name to the last id of its sequence reserved. On open. */
    Map<String, Long> idSequences();

    /** Replication source (a master's node name) to the last master etag applied from it. On open. */
    Map<String, Etag> sourceProgress();

    /** The highest change counter the checkpoint records as issued (0 before any). On open. */
    long lastChange();
}
