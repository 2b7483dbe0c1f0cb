package dev.corvid.node.storage;

import java.util.List;
import java.util.Optional;

/**
 * A node's durable document store. The only way the rest of the node touches the disk.
 *
 * <p>Invariants: every change is stamped with this node's next etag, so a node's etags strictly
 * increase over its whole life, restarts and crashes included; a batch is applied whole or not at
 * all; {@link #write} returns only after the batch is on disk.
 */
public interface Storage extends AutoCloseable {

    /** The 24-bit part of every etag of this node that no other node shares. */
    int nodeTag();

    /** The current version of a document, or empty when it does not exist or is deleted. */
    Optional<StoredDocument> get(String id);

    /** {@link #get} for several ids at once, seen at one point in time, in the order asked. */
    List<Optional<StoredDocument>> getAll(List<String> ids);

    /**
     * Applies a batch atomically and durably. Blocks until the batch is on disk.
     *
     * @throws ConcurrencyViolationException when an expected etag does not hold; nothing is applied
     * @throws StorageUnavailableException   when storage is closing or has failed; nothing is applied
     */
    List<WriteResult> write(WriteBatch batch);

    /**
     * Reserves {@code count} numbers of the collection's id sequence, durably: a range is never
     * handed out twice, also across restarts.
     */
    IdRange reserveIds(String collection, long count);

    /**
     * Runs a collection query.
     *
     * @throws UnknownCollectionException when no document of that collection was ever stored here
     */
    QueryResult query(Query query);

    /**
     * The change feed: up to {@code limit} changes (puts and tombstones) with an etag after
     * {@code after}, in etag order. {@code Etag.EMPTY} reads from the start.
     */
    List<Change> changesAfter(Etag after, int limit);

    /** Live (not deleted) documents. */
    long documentCount();

    /** The last etag this node issued, or null when it never wrote. */
    Etag lastEtag();

    /** Stops accepting writes, finishes those in flight, checkpoints and closes the files. */
    @Override
    void close();
}
