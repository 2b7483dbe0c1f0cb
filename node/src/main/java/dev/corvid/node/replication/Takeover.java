package dev.corvid.node.replication;

import dev.corvid.node.storage.Etag;

/**
 * Where a master's epoch began: what a node joining it needs to hand back whatever the new master
 * may lack (see {@code ReplicationHandshake.takeover_etag}).
 *
 * @param epoch        the epoch in which the node is master, at least 1
 * @param takeoverEtag the master's own last etag when it took over; null for the first master (or
 *                     one that had written nothing)
 * @param fork         the last etag of the previous master it had applied; null when none (the first
 *                     master, or one that had applied nothing)
 */
public record Takeover(long epoch, Etag takeoverEtag, Etag fork) {

    /** The first epoch's master: nothing to hand back to it. */
    public static final Takeover FIRST = new Takeover(1, null, null);

    public Takeover {
        if (epoch < 1) {
            throw new IllegalArgumentException("an epoch is at least 1, was " + epoch);
        }
    }

    @Override
    public String toString() {
        return "epoch " + epoch + (fork == null ? "" : ", took over at " + takeoverEtag + " after " + fork);
    }
}
