package dev.corvid.client;

/**
 * How one session's reads are routed, handed to {@link RequestExecutor} with every call.
 * Today every call goes to the master; the session-scoped choices (which server a session reads
 * from, force-read-from-master) live here so that failover can act on them per session.
 */
final class SessionRouting {

    /** Routing of calls that belong to no session (store-level commands, id reservation). */
    static final SessionRouting NONE = new SessionRouting(false);

    private final boolean forceReadFromMaster;

    SessionRouting(boolean forceReadFromMaster) {
        this.forceReadFromMaster = forceReadFromMaster;
    }

    /** Whether this session's reads must go to the master (from {@link SessionOptions}); read by failover routing. */
    boolean forceReadFromMaster() {
        return forceReadFromMaster;
    }
}
