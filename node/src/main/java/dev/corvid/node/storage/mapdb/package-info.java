/**
 * The index's checkpoint in MapDB, and the only package of the node that imports {@code org.mapdb}.
 *
 * <p>{@link dev.corvid.node.storage.mapdb.MapDbCheckpoint} is the transactional file
 * {@code index.db}: the current record of every document, the change order and the collection
 * members (B-trees), the counts, the collections ever stored, the id sequences, the replication
 * progress and the counters, and the log sequence number its last commit covers; it is the
 * {@link dev.corvid.node.storage.index.IndexStore} of the index.
 * {@link dev.corvid.node.storage.mapdb.MapDbFlusher} is the one thread that writes it: it takes the
 * {@link dev.corvid.node.storage.index.IndexWrite}s of durable log records, keeps the latest per
 * key in {@link dev.corvid.node.storage.mapdb.DirtyWrites}, and commits them now and then, after
 * which the log before the commit is recycled. A MapDB commit thus never delays a write; it only
 * bounds how much log a restart replays.
 */
package dev.corvid.node.storage.mapdb;
