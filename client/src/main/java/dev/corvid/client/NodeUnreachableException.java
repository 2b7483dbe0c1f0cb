package dev.corvid.client;

/**
 * A node could not be reached: connection refused, the call timed out, or the node is starting
 * or stopping ({@code UNAVAILABLE}). The message names the node's address.
 */
public class NodeUnreachableException extends CorvidException {

    private static final long serialVersionUID = 1L;

    private final String address;

    /**
     * @param address the {@code host:port} that did not answer
     * @param message what happened, naming the address
     * @param cause   the transport exception
     */
    public NodeUnreachableException(String address, String message, Throwable cause) {
        super(message, cause);
        this.address = address;
    }

    /** The {@code host:port} of the node that could not be reached. */
    public String getAddress() {
        return address;
    }
}
