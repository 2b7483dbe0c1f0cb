package dev.corvid.node.replication;

import dev.corvid.node.storage.Etag;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Write assurance on the master: waits, without polling, until enough replicas have durably
 * applied a write. A replica counts once it has acknowledged, on its replication stream, a master
 * etag at or after the write's; it acknowledges a batch only after its own log is synced.
 */
public interface WriteConfirmations {

    /**
     * Completes once {@code replicas} replicas have durably applied everything up to {@code etag},
     * or once {@code wait} has passed (or the node is stopping) with fewer; never completes
     * exceptionally, and runs its callbacks on the thread that completes it (a replication
     * stream's or the timer's), so they must not block.
     *
     * @param etag     this master's etag of the write's last change; {@code null} when the write changed
     *                 nothing (then there is nothing to wait for)
     * @param replicas how many replicas must have it; at least 1 and at most the cluster's replicas
     * @param wait     how long to wait at most, positive
     */
    CompletableFuture<Confirmation> await(Etag etag, int replicas, Duration wait);

    /** On a node that pushes to no replica: every wait is unmet at once. */
    WriteConfirmations NONE = (etag, replicas, wait) -> CompletableFuture.completedFuture(
            Confirmation.unmet(0, "this node pushes its writes to no replica"));

    /**
     * What a wait ended with.
     *
     * @param confirmed how many replicas had durably applied the write when it ended
     * @param unmet     why fewer than asked had it; {@code null} when the wait was met
     */
    record Confirmation(int confirmed, String unmet) {

        static Confirmation met(int confirmed) {
            return new Confirmation(confirmed, null);
        }

        public static Confirmation unmet(int confirmed, String why) {
            return new Confirmation(confirmed, why);
        }

        public boolean isMet() {
            return unmet == null;
        }
    }
}
