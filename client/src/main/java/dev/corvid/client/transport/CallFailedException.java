package dev.corvid.client.transport;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * A call of a {@link NodeTransport} that failed: the status the node (or the transport) ended it
 * with, trailers and details included, and whether its request provably never left the client,
 * which is what decides whether a write may be sent to another node (see {@link SendTracker}).
 */
public final class CallFailedException extends StatusRuntimeException {

    private static final long serialVersionUID = 1L;

    private final boolean provablyUnsent;

    CallFailedException(StatusRuntimeException failure, boolean provablyUnsent) {
        super(failure.getStatus(), failure.getTrailers());
        this.provablyUnsent = provablyUnsent;
    }

    /**
     * True only when the request never left the client: the node cannot have run it. False when it
     * may have reached the node, even if the node then failed or did not answer in time.
     */
    public boolean provablyUnsent() {
        return provablyUnsent;
    }

    /** "Server down" ({@code UNAVAILABLE}, {@code DEADLINE_EXCEEDED}): the failures that make a read fail over. */
    public boolean serverDown() {
        return SendTracker.isServerDown(getStatus());
    }

    /** Whether the node answered {@code code}. */
    public boolean is(Status.Code code) {
        return getStatus().getCode() == code;
    }
}
