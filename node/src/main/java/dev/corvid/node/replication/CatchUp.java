package dev.corvid.node.replication;

import dev.corvid.node.storage.Change;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.MetadataKeys;
import dev.corvid.node.storage.Storage;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Which versions of a new master's feed, up to its takeover, a replica joining it holds already,
 * so the master leaves them out and the replica resumes where their data matches instead of
 * receiving every document again (each node stamps its own etags, so the replica's position in
 * the previous master's feed says nothing directly about this one's).
 *
 * <p>The master took over from the previous master P after applying P's feed up to the fork
 * point; the replica has applied P's feed up to {@code h}. Both followed the same feed, so a
 * version in this master's feed at or before its takeover etag is on the replica when
 * <ul>
 *   <li>it came from P with a P etag at or before both {@code h} and the fork (the replica applied
 *       it, and neither side had a later version of its document from P); or</li>
 *   <li>it is older than the moment this master began to follow P (the change counter recorded as
 *       {@link Storage#joinedProgress}): P then had the same version, and so had the replica,
 *       which follows P too;</li>
 * </ul>
 * and it is not a failover write of this master (marked {@value MetadataKeys#FAILOVER_WRITE}),
 * which the replica cannot have. What the replica holds of P beyond the fork it hands back before
 * it answers ({@link FailoverHandback}), and the master's decisions come after its takeover etag,
 * so they are sent. Everything else is sent; nothing is sent twice. After the takeover etag the
 * feed holds only this master's own writes, which are all sent.
 */
final class CatchUp {

    private static final byte[] FAILOVER_MARK = ("\"" + MetadataKeys.FAILOVER_WRITE + "\"").getBytes(StandardCharsets.UTF_8);

    /** The change counter of the master's last etag at its takeover: the end of the region. */
    private final long end;
    /** The change counter at which this master began to follow P; 0 when unknown. */
    private final long joined;
    /** P's etag up to which both sides have P's versions. */
    private final Etag common;
    private long leftOut;
    private long sent;

    private CatchUp(long end, long joined, Etag common) {
        this.end = end;
        this.joined = joined;
        this.common = common;
    }

    /**
     * The catch-up of a replica that has applied {@code replicaApplied} (its answer's applied
     * sources) to a master that took over as {@code takeover}; null when nothing can be left out
     * (no takeover, or the replica never followed the previous master).
     */
    static CatchUp of(Takeover takeover, Storage storage, List<Etag> replicaApplied) {
        Etag fork = takeover.fork();
        if (fork == null || takeover.takeoverEtag() == null) {
            return null;
        }
        Etag h = replicaApplied.stream().filter(e -> e.nodeTag() == fork.nodeTag()).findFirst().orElse(null);
        if (h == null) {
            return null;
        }
        Etag joinedAt = storage.lastAppliedFrom(Storage.joinedProgress(fork.nodeTag()));
        long joined = joinedAt == null ? 0 : joinedAt.change();
        return new CatchUp(takeover.takeoverEtag().change(), joined, h.compareTo(fork) <= 0 ? h : fork);
    }

    /** Whether a stream that has sent up to {@code sent} is still in the region this applies to. */
    boolean covers(Etag sent) {
        return sent.isEmpty() || sent.change() < end;
    }

    /** Whether {@code c}, a change of this master's feed, is in the region. */
    boolean inRegion(Change c) {
        return c.etag().change() <= end;
    }

    /** Whether the replica holds {@code c} (in the region) already; counts what is left out. */
    boolean replicaHolds(Change c) {
        boolean holds = !isFailoverWrite(c) && (c.etag().change() <= joined || fromPreviousMasterUpToCommon(c));
        if (holds) {
            leftOut++;
        } else {
            sent++;
        }
        return holds;
    }

    private boolean fromPreviousMasterUpToCommon(Change c) {
        Etag source = c.sourceEtag();
        return source != null && source.nodeTag() == common.nodeTag() && source.compareTo(common) <= 0;
    }

    private static boolean isFailoverWrite(Change c) {
        return c.metadataJson() != null && MetadataKeys.holds(c.metadataJson().toByteArray(), FAILOVER_MARK);
    }

    @Override
    public String toString() {
        return leftOut + " versions left out (held already), " + sent + " sent";
    }
}
