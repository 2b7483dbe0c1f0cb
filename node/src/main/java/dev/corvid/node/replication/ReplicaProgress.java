package dev.corvid.node.replication;

import dev.corvid.node.storage.Etag;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a node knows about how far one replica has got with the master's changes.
 *
 * @param connected     whether a replication stream to (on the master) or from (on the replica
 *                      itself) the master is open right now
 * @param lastApplied   the last master etag the replica has applied, {@link Etag#EMPTY} when it has
 *                      applied nothing; empty when unknown (the master has not heard from it yet)
 * @param changesBehind changes of the master's feed the replica does not have yet; empty when unknown
 * @param lagMillis     age in ms of the oldest change the replica does not have yet, 0 when caught
 *                      up; empty when unknown
 */
public record ReplicaProgress(boolean connected, Optional<Etag> lastApplied, OptionalLong changesBehind,
                              OptionalLong lagMillis) {
}
