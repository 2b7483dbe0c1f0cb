/**
 * The in-memory index, which decides every write and answers every read: {@link
 * dev.corvid.node.storage.index.DocumentIndex} (id to etag, the change feed's order, collections,
 * id sequences, replication progress), the records themselves in {@link
 * dev.corvid.node.storage.index.RecordLayers} (not yet checkpointed, then the {@link
 * dev.corvid.node.storage.index.RecordCache}, then the store), and their encoding, {@link
 * dev.corvid.node.storage.index.DocumentRecord}.
 *
 * <p>The index knows nothing of MapDB. It is rebuilt from, and reads the records it does not hold
 * from, an {@link dev.corvid.node.storage.index.IndexStore}; what the store must receive for each
 * change it hands out as an {@link dev.corvid.node.storage.index.IndexWrite}, and the checkpoint
 * ({@code storage.mapdb}) writes those once the log has made the change durable.
 */
package dev.corvid.node.storage.index;
