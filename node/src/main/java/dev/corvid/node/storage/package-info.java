/**
 * The node's durable document store: the API the rest of the node uses, and {@link
 * dev.corvid.node.storage.LogStorage}, the one implementation, which {@code open}s it.
 *
 * <p>The API: {@link dev.corvid.node.storage.Storage} (its contract: etags strictly increase, a
 * batch is applied whole or not at all, and durably), {@link dev.corvid.node.storage.WriteBatch}
 * of validated {@link dev.corvid.node.storage.Mutation}s, {@link dev.corvid.node.storage.Query},
 * the results ({@link dev.corvid.node.storage.WriteResult}, {@link
 * dev.corvid.node.storage.StoredDocument}, {@link dev.corvid.node.storage.Change}, {@link
 * dev.corvid.node.storage.QueryResult}, {@link dev.corvid.node.storage.IdRange}, {@link
 * dev.corvid.node.storage.ContentScan}), {@link dev.corvid.node.storage.Etag}, the rules of what
 * it accepts ({@link dev.corvid.node.storage.DocumentIds}, {@link dev.corvid.node.storage.JsonRules},
 * {@link dev.corvid.node.storage.MetadataKeys}), the options ({@link
 * dev.corvid.node.storage.StorageOptions}, {@link dev.corvid.node.storage.CheckpointPolicy}) and
 * the exceptions.
 *
 * <p>Behind it, three layers, each a package (as etcd's {@code server/storage/{wal,backend,mvcc}}):
 * the log ({@link dev.corvid.node.storage.wal}), the index that decides everything
 * ({@link dev.corvid.node.storage.index}: what changed since the last checkpoint in memory, the
 * rest read from the checkpoint) and the checkpoint in MapDB ({@link
 * dev.corvid.node.storage.mapdb}, the only package that imports MapDB); the writer thread that
 * drives them ({@link dev.corvid.node.storage.write}); and query evaluation ({@link
 * dev.corvid.node.storage.query}). Their classes are public only so that {@code LogStorage} can
 * assemble them: the rest of the node uses this package alone.
 *
 * <h2>The path of a write</h2>
 * <ol>
 *   <li>{@code WriteBatch.builder()...build()} checks ids ({@code DocumentIds}) and JSON
 *       ({@code JsonRules}) and encodes each operation as a {@code Mutation}.</li>
 *   <li>{@code LogStorage.write} checks document sizes and hands the batch to
 *       {@code write.GroupCommitWriter}, whose one thread takes every write waiting as one
 *       group.</li>
 *   <li>Each write is a {@code write.Pending} ({@code BatchWrite}, {@code ReserveIdsWrite},
 *       {@code ReplicatedWrite}): {@code Pending.prepare} checks it against the
 *       {@code write.GroupView} (the index plus the batches before it in the group), issues its
 *       etags and returns its {@code wal.LogEntry}s; a rejected batch leaves no trace.</li>
 *   <li>{@code LogEntry.encode} makes one log record of each batch, which
 *       {@code wal.WriteAheadLog.append} buffers under the next sequence number;
 *       {@code wal.ChangeCounter.ensureReserved} durably reserves the group's change counters.</li>
 *   <li>{@code WriteAheadLog.sync}: one {@code fdatasync} makes the whole group durable. (A group
 *       of a replica's replicated changes is shown first and synced by {@code write.LogSyncer}
 *       while the writer goes on.)</li>
 *   <li>{@code index.DocumentIndex.show} applies the entries to what the index holds in memory
 *       under its write lock and publishes the group's last change counter, so readers see the
 *       whole group at once, and returns, per log record, the
 *       {@code index.IndexWrite}s the checkpoint must receive ({@code DocumentIndex.Shown}).</li>
 *   <li>{@code mapdb.MapDbFlusher.stage} queues them; then the commit listeners hear the last
 *       etag, and the callers are answered.</li>
 *   <li>The flusher's thread keeps the latest write per key in {@code mapdb.DirtyWrites} and, as
 *       the {@code CheckpointPolicy} says, writes them into {@code mapdb.MapDbCheckpoint} (the
 *       records, the change order, the collection members, the counts) and commits MapDB: a
 *       checkpoint, covering the log up to a sequence number. Then
 *       {@code DocumentIndex.checkpointed} moves the records from memory to its cache and drops
 *       what else memory kept for them, and
 *       {@code WriteAheadLog.retireSegmentsUpTo} recycles the segments the checkpoint covers.</li>
 * </ol>
 *
 * <h2>Reads</h2>
 * {@code LogStorage.get}, {@code changesAfter} and {@code query} ask the {@code DocumentIndex},
 * as of the change counter it last published: {@code index.ChangeFeed} and
 * {@code index.CollectionMembers} merge the checkpoint's change order and members with what
 * changed since, {@code index.MemberRanks} lets a page at an offset start near it, and
 * {@code index.RecordLayers} find each record among those not yet checkpointed, the cache of
 * checkpointed ones and, outside the index lock, the {@code index.IndexStore} (the MapDB
 * checkpoint). {@code query.QueryEngine} evaluates a query over the documents of its collection.
 *
 * <h2>Recovery</h2>
 * {@code LogStorage.open} opens the {@code MapDbCheckpoint}, opens the {@code DocumentIndex} on
 * it (its counters only: nothing is rebuilt), and replays the log records after the checkpoint ({@code WriteAheadLog.replay}, with
 * {@code wal.LogRecovery} telling a torn tail, which is cut, from corruption, which refuses to
 * open) through {@code DocumentIndex.replay}; the flusher commits what they changed as a new
 * checkpoint before the writer starts. {@code ChangeCounter.open} makes etags go on after every
 * one a cut log may have lost. {@code LogStorage.repairLog} cuts a corrupt log for an operator.
 */
package dev.corvid.node.storage;
