package dev.corvid.client;

/**
 * A write reached a replica that refused it: a replica takes no ordinary client write, and takes a
 * failover write only while it cannot reach its master itself (so a client that cannot reach the
 * master while the replicas can gets this, and nothing was written). Carries the master's address;
 * the message ends with the replica's reason.
 */
public class NotMasterException extends CorvidException {

    private static final long serialVersionUID = 1L;

    private final String masterAddress;

    /**
     * @param message       what happened
     * @param masterAddress {@code host:port} of the master as the replica reported it (may be empty)
     * @param cause         the transport exception
     */
    public NotMasterException(String message, String masterAddress, Throwable cause) {
        super(message, cause);
        this.masterAddress = masterAddress;
    }

    /** {@code host:port} of the master as the replica reported it; empty when it did not say. */
    public String getMasterAddress() {
        return masterAddress;
    }
}
