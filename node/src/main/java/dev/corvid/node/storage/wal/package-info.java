/**
 * The write-ahead log: what makes a batch durable before it is acknowledged, and what a restart
 * replays on top of the last checkpoint.
 *
 * <p>{@link dev.corvid.node.storage.wal.WriteAheadLog} appends records (a length, a CRC32C and a
 * strictly increasing sequence number, then the payload) to preallocated segment files and syncs
 * them; {@link dev.corvid.node.storage.wal.LogEntry} is what a record holds: the puts, deletes,
 * id reservations and replication progress of one batch, etags already assigned. {@link
 * dev.corvid.node.storage.wal.LogRecovery} reads the log back on open and tells a torn tail from
 * corruption. {@link dev.corvid.node.storage.wal.ChangeCounter} belongs here because it answers
 * for the log's one loss: when records are cut from its end, the node's change counter must still
 * never go back. Nothing here knows of the index or MapDB.
 */
package dev.corvid.node.storage.wal;
