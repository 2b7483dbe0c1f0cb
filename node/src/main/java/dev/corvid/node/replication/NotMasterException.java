package dev.corvid.node.replication;

/**
 * A client write (or id reservation) reached a replica that does not take it: without saying it is
 * an allowed failover write, or as a failover write while the replica can still reach its master
 * ({@link WriteAdmission}). Nothing was written; the master's name and address say where to send it.
 */
public final class NotMasterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String masterName;
    private final String masterAddress;

    NotMasterException(String nodeName, String masterName, String masterAddress) {
        super("node '" + nodeName + "' is a replica and does not take client writes; send writes to the master '"
                + masterName + "' at " + masterAddress);
        this.masterName = masterName;
        this.masterAddress = masterAddress;
    }

    /** A failover write while the replica can reach its master; {@code contact} says how it knows. */
    NotMasterException(String nodeName, String masterName, String masterAddress, String contact) {
        super("node '" + nodeName + "' is a replica and takes a failover write only while it cannot reach its master,"
                + " but it can reach master '" + masterName + "' at " + masterAddress + " (" + contact
                + "); nothing was written: send the write to the master");
        this.masterName = masterName;
        this.masterAddress = masterAddress;
    }

    public String masterName() {
        return masterName;
    }

    public String masterAddress() {
        return masterAddress;
    }
}
