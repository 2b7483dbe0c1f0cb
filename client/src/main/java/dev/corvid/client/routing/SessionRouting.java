package dev.corvid.client.routing;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * How one session's reads are routed, handed to {@link RequestExecutor} with every call: the
 * server the session was striped to (used only under
 * {@link dev.corvid.client.FailoverBehavior#READ_FROM_ALL_SERVERS}) and whether its reads must go
 * to the master, for the whole session ({@link dev.corvid.client.SessionOptions#setForceReadFromMaster})
 * or inside open scopes (each a {@link dev.corvid.client.ReadScope} to the application).
 */
public final class SessionRouting {

    /**
     * Routing of calls that belong to no session (store-level commands, id reservation): never
     * striped, so reads go to the master first; scopes on it change nothing.
     */
    public static final SessionRouting NONE = new SessionRouting(false, -1);

    private final boolean forceReadFromMaster;
    private final int stripe;
    /** Open scopes of this session; the session's own thread changes it. */
    private final AtomicInteger openScopes = new AtomicInteger();

    /**
     * @param stripe the session's turn in the round-robin (any int, taken modulo the number of
     *               servers at each call); negative for "not striped"
     */
    public SessionRouting(boolean forceReadFromMaster, int stripe) {
        this.forceReadFromMaster = forceReadFromMaster;
        this.stripe = stripe;
    }

    /** Whether this session's reads go to the master right now (session option or an open scope). */
    boolean forceReadFromMaster() {
        return forceReadFromMaster || openScopes.get() > 0;
    }

    /** Whether striping applies to this routing at all. */
    boolean striped() {
        return stripe >= 0;
    }

    /** The session's turn, 0 for the master; meaningful only when {@link #striped()}. */
    int stripe(int servers) {
        return Math.floorMod(stripe, servers);
    }

    /**
     * Opens a force-read-from-master scope; a no-op scope for {@link #NONE}, which already reads
     * master first.
     *
     * @return what ends the scope; run it exactly once (a {@link dev.corvid.client.ReadScope} sees to that)
     */
    Runnable openScope() {
        if (this == NONE) {
            return () -> { };
        }
        openScopes.incrementAndGet();
        return () -> {
            int left = openScopes.decrementAndGet();
            assert left >= 0 : "more scopes closed than opened: " + left;
        };
    }
}
