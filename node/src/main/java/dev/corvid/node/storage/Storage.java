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
    default List<Optional<StoredDocument>> getAll(List<String> ids) {
        return getAll(ids, Long.MAX_VALUE);
    }

    /**
     * {@link #getAll(List)} that holds no more than {@code maxBytes} of stored records (and one
     * more) however many large documents the ids name.
     *
     * @throws AnswerTooLargeException once the records read add up to more than {@code maxBytes}
     */
    List<Optional<StoredDocument>> getAll(List<String> ids, long maxBytes);

    /**
     * Applies a batch atomically and durably. Blocks until the batch is on disk.
     *
     * @throws ConcurrencyViolationException when an expected etag does not hold; nothing is applied
     * @throws StorageUnavailableException   when storage is closing or has failed; nothing is applied
     */
    List<WriteResult> write(WriteBatch batch);

    /**
     * {@link #write} without blocking: the future completes once the batch is durable, or
     * exceptionally with the same exceptions. Completion runs on the storage's writer thread, so
     * what is chained to it must not block.
     *
     * @throws BadRequestException         at once, for a document over the size limit
     * @throws StorageUnavailableException at once, when storage is closing or has failed
     */
    java.util.concurrent.CompletableFuture<List<WriteResult>> writeAsync(WriteBatch batch);

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
    default QueryResult query(Query query) {
        return query(query, () -> false);
    }

    /**
     * Runs a collection query, stopping its scan between two steps once {@code cancelled} says its
     * caller has given up.
     *
     * @throws UnknownCollectionException when no document of that collection was ever stored here
     * @throws QueryCancelledException when {@code cancelled} turned true before the scan ended
     */
    QueryResult query(Query query, java.util.function.BooleanSupplier cancelled);

    /**
     * The change feed: up to {@code limit} changes (puts and tombstones) with an etag after
     * {@code after}, in etag order. {@code Etag.EMPTY} reads from the start.
     */
    List<Change> changesAfter(Etag after, int limit);

    /**
     * How many entries of the change feed come after {@code after}: what a replica that has
     * applied up to {@code after} still needs. Costs a walk over them: for stats, not hot paths.
     */
    long countChangesAfter(Etag after);

    /**
     * Applies a batch of a master's changes on a replica, without etag checks, each stamped with
     * this node's next etag and marked with its source in the metadata; in the same atomic, durable
     * unit it records the last master etag applied from {@code source}. Changes not after that
     * etag are skipped, so sending a batch again is harmless. The future completes on the writer
     * thread with the source's last applied master etag.
     *
     * @param source  the master's node name
     * @param changes the master's change feed entries, master etags strictly increasing
     * @throws IllegalArgumentException    at once, for an empty or out-of-order batch
     * @throws StorageUnavailableException at once, when storage is closing or has failed
     */
    default java.util.concurrent.CompletableFuture<Etag> applyReplicatedAsync(String source, List<Change> changes) {
        return applyReplicatedAsync(source, changes, null);
    }

    /**
     * {@link #applyReplicatedAsync(String, List)}, recording {@code through} (not before the last
     * change) as the source's last applied etag: the master left out the versions in between
     * because this node already holds them. With {@code through} the batch may be empty.
     */
    java.util.concurrent.CompletableFuture<Etag> applyReplicatedAsync(String source, List<Change> changes, Etag through);

    /**
     * The progress name under which a node records where it began to follow the source of node tag
     * {@code nodeTag}: the change counter of its own last etag before it applied that source's first
     * batch (recorded with that batch), so every version it still holds at or below it was there
     * before it followed that source.
     */
    static String joinedProgress(int nodeTag) {
        return "@joined-" + Etag.nodeTagText(nodeTag);
    }

    /** The last master etag applied from {@code source} (a master's node name), or null when none was. */
    Etag lastAppliedFrom(String source);

    /**
     * Records durably how far a named process of this node has got, e.g. the hand-back of its
     * failover writes ({@code position} an etag of this node's own feed); {@link #lastAppliedFrom}
     * reads it back. Names are those of replication sources' namespace; use one no node can have
     * (starting with {@code @}).
     */
    java.util.concurrent.CompletableFuture<Void> recordProgressAsync(String name, Etag position);

    /**
     * On the master: decides versions another node took while it could not reach this master
     * (failover writes), each against the master's current version of its document, in one atomic
     * write: applied as a master write when the master's version is no later than the version's
     * base, kept as a conflict (or resolved by {@code policy}) when it is, nothing when the master
     * has it already. The future completes, once durable, with one outcome per version, in order.
     *
     * @param from   the name of the node that took the versions
     * @param self   this master's name (it names the master's version in a conflict)
     * @param policy what to do when both sides changed the document
     * @throws IllegalArgumentException when {@code versions} is empty or holds an id twice
     */
    java.util.concurrent.CompletableFuture<List<HandbackOutcome>> handBackAsync(String from, String self,
            List<HandedBack> versions, ConflictPolicy policy);

    /**
     * Calls {@code listener} after each committed group of writes that issued etags, with the last
     * etag issued, once the changes are durable and visible to {@link #changesAfter}. It runs on the
     * writer thread, so it must return at once (signal another thread, never wait).
     */
    void addCommitListener(java.util.function.Consumer<Etag> listener);

    /**
     * Calls {@code listener} once when storage stops taking writes because a disk write, a log sync
     * or an index write failed (at once if that already happened), with the cause. From then on
     * every write fails with {@link StorageUnavailableException} naming it; reads still answer from
     * what is durable. Runs on a storage thread, so it must return at once.
     */
    void addFailureListener(java.util.function.Consumer<Throwable> listener);

    /**
     * A listing of every id this node has a record of (live or tombstone) as of one point in time,
     * for consistency checks: see {@link ContentScan} for what "as of" means while writes go on.
     *
     * @param source the master's node name whose last applied etag the snapshot reports (on a
     *               replica); null on the master
     */
    ContentScan contentScan(String source);

    /** Live (not deleted) documents. */
    long documentCount();

    /** Deleted documents whose tombstone the node keeps (their delete replicates and orders). */
    long tombstoneCount();

    /** Every collection a document was ever stored in here, in name order. */
    List<String> collections();

    /** The last etag this node issued, or null when it never wrote. */
    Etag lastEtag();

    /**
     * Whether a replica that says it has applied this node's changes up to {@code etag} can be
     * brought up to date from here: {@code etag} is {@link Etag#EMPTY}, or one of this node's own
     * etags, not after its last one, and not among the etags a crash may have cut from the end of
     * its log (a replica holding one of those has a version this node lost). False means the
     * replica has diverged: sending it the changes after {@code etag} would not make it equal.
     */
    boolean canResumeFrom(Etag etag);

    /** Stops accepting writes, finishes those in flight, checkpoints and closes the files. */
    @Override
    void close();
}
