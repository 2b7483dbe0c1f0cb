package dev.corvid.client;

/**
 * A concurrency check would have sent the master an etag that a replica issued, which the master
 * can never find current (each node stamps its own etags); nothing was sent. Load the document
 * inside {@code session.getDatabaseCommands().forceReadFromMaster()}, or open the session with
 * {@code new SessionOptions().setForceReadFromMaster(true)}, before changing and saving it. See
 * {@link ReplicaEtagPolicy}.
 */
public class ReplicaEtagConcurrencyException extends ConcurrencyException {

    private static final long serialVersionUID = 1L;

    private final String replicaAddress;

    /**
     * @param documentId     the document whose etag came from a replica
     * @param expectedEtag   the replica's etag the write would have sent
     * @param replicaAddress {@code host:port} of the replica that issued it
     */
    public ReplicaEtagConcurrencyException(String documentId, Etag expectedEtag, String replicaAddress) {
        super("Write on document '" + documentId + "' would be checked against etag " + expectedEtag
                + ", which replica " + replicaAddress + " issued; the master has its own etags and would reject it. "
                + "Load the document inside session.getDatabaseCommands().forceReadFromMaster() (or open the session "
                + "with SessionOptions.setForceReadFromMaster(true)) before changing it, or set "
                + "Conventions.setReplicaEtagPolicy(ReplicaEtagPolicy.CHECK_MASTER_ETAG).",
                documentId, expectedEtag, null, null);
        this.replicaAddress = replicaAddress;
    }

    /** {@code host:port} of the replica that issued the etag. */
    public String getReplicaAddress() {
        return replicaAddress;
    }
}
