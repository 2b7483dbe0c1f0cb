/**
 * The index, which decides every write and answers every read: {@link
 * dev.corvid.node.storage.index.DocumentIndex} (id to current record, the change feed's order,
 * collection members and counts, id sequences, replication progress). The checkpoint holds all of
 * it as of its last commit; in memory are only what changed since and bounded caches: the change
 * order's {@link dev.corvid.node.storage.index.ChangeFeed}, the {@link
 * dev.corvid.node.storage.index.CollectionMembers}, the {@link
 * dev.corvid.node.storage.index.MemberRanks} that count each range of a collection's ids, and the
 * records in {@link dev.corvid.node.storage.index.RecordLayers} (not yet checkpointed, then the
 * {@link dev.corvid.node.storage.index.RecordCache}, then the store), encoded as {@link
 * dev.corvid.node.storage.index.DocumentRecord}s. Its memory is set by the checkpoint's window and
 * the cache, not by the number of documents. {@link dev.corvid.node.storage.index.IndexLock} says
 * how readers, the writer and the checkpoint keep out of each other's way.
 *
 * <p>The index knows nothing of MapDB. It reads what it does not hold from an {@link
 * dev.corvid.node.storage.index.IndexStore}; what the store must receive for each change it hands
 * out as an {@link dev.corvid.node.storage.index.IndexWrite}, and the checkpoint
 * ({@code storage.mapdb}) writes those once the log has made the change durable.
 */
package dev.corvid.node.storage.index;
