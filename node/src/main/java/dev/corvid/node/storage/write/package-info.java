/**
 * The storage writer: the one thread that changes storage, committing the writes waiting for it
 * as a group with one log sync ({@link dev.corvid.node.storage.write.GroupCommitWriter}).
 *
 * <p>Each kind of write is a {@link dev.corvid.node.storage.write.Pending} that turns into log
 * entries once checked against the group's {@link dev.corvid.node.storage.write.GroupView}: a
 * client's batch ({@link dev.corvid.node.storage.write.BatchWrite}, with the optimistic
 * concurrency rules), an id reservation ({@link dev.corvid.node.storage.write.ReserveIdsWrite}) and
 * a master's changes on a replica ({@link dev.corvid.node.storage.write.ReplicatedWrite}). {@link
 * dev.corvid.node.storage.write.LogSyncer} syncs the log for groups readers may see before their
 * sync. See the {@linkplain dev.corvid.node.storage storage package} for the whole path of a write.
 */
package dev.corvid.node.storage.write;
