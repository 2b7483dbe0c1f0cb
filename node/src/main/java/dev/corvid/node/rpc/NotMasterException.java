package dev.corvid.node.rpc;

/** A client write reached a replica without saying it is an allowed failover write. */
final class NotMasterException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String masterName;
    private final String masterAddress;

    NotMasterException(String nodeName, String masterName, String masterAddress) {
        super("node '" + nodeName + "' is a replica and does not take client writes; send writes to the master '"
                + masterName + "' at " + masterAddress);
        this.masterName = masterName;
        this.masterAddress = masterAddress;
    }

    String masterName() {
        return masterName;
    }

    String masterAddress() {
        return masterAddress;
    }
}
