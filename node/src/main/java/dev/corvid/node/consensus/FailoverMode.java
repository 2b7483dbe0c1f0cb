package dev.corvid.node.consensus;

/** Whether the group promotes a new master on its own when the master stops renewing its lease. */
public enum FailoverMode {
    /** Only an operator promotes ({@link Consensus#promote(String, boolean)}); a dead master stays master. */
    MANUAL,
    /**
     * The Raft leader promotes the most up-to-date live node once the master has not renewed its
     * lease for longer than a lease ({@link Candidates}).
     */
    AUTOMATIC
}
