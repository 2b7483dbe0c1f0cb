package dev.corvid.node.replication;

import dev.corvid.node.storage.Etag;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a node knows about how far one replica has got with the master's changes.
 *
 * <p>Invariant: a diverged replica is never reported caught up: {@code changesBehind} and
 * {@code lagMillis} are then empty.
 *
 * @param connected     whether a replication stream to (on the master) or from (on the replica
 *                      itself) the master is open right now and, on the replica, carried a
 *                      message within the master timeout
 * @param lastApplied   the last master etag the replica has applied (or claims, when diverged),
 *                      {@link Etag#EMPTY} when it has applied nothing; empty when unknown (the
 *                      master has not heard from it yet)
 * @param changesBehind changes of the master's feed the replica does not have yet; empty when unknown
 * @param lagMillis     age in ms of the oldest change the replica does not have yet, 0 when caught
 *                      up; empty when unknown
 * @param diverged      why the replica cannot be brought up to date by streaming (it holds
 *                      changes the master never issued, or refuses the master's data as
 *                      replaced) and what to do; empty when it has not diverged
 */
public record ReplicaProgress(boolean connected, Optional<Etag> lastApplied, OptionalLong changesBehind,
                              OptionalLong lagMillis, Optional<String> diverged) {

    public ReplicaProgress {
        assert diverged.isEmpty() || changesBehind.isEmpty() && lagMillis.isEmpty()
                : "a diverged replica has no changes-behind count: " + diverged;
    }

    /** A replica the node knows only this much about; not diverged. */
    static ReplicaProgress known(boolean connected, Optional<Etag> lastApplied) {
        return new ReplicaProgress(connected, lastApplied, OptionalLong.empty(), OptionalLong.empty(), Optional.empty());
    }

    /** A diverged replica: never caught up, never a count of changes behind. */
    static ReplicaProgress diverged(boolean connected, Optional<Etag> claimed, String why) {
        return new ReplicaProgress(connected, claimed, OptionalLong.empty(), OptionalLong.empty(), Optional.of(why));
    }
}
