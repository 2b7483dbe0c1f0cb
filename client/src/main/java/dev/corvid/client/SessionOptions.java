package dev.corvid.client;

/** Options for {@link DocumentStore#openSession(SessionOptions)}. Setters return {@code this}. */
public final class SessionOptions {

    private boolean forceReadFromMaster;

    /** Options with every default. */
    public SessionOptions() {
    }

    /** Whether every read of the session goes to the master. Default {@code false}. */
    public boolean isForceReadFromMaster() {
        return forceReadFromMaster;
    }

    /**
     * Makes every read of the session go to the master, so that the etags it loads are master
     * etags (what a concurrency check on the master compares with). Meaningful once the store
     * reads from replicas.
     */
    public SessionOptions setForceReadFromMaster(boolean value) {
        this.forceReadFromMaster = value;
        return this;
    }
}
