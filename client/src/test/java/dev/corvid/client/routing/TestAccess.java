package dev.corvid.client.routing;

import dev.corvid.client.CorvidException;
import io.grpc.StatusRuntimeException;

/** What tests of other packages (the transport's) need of this package's internals. */
public final class TestAccess {

    private TestAccess() {
    }

    /** {@link GrpcErrors#toException}: the exception a caller gets for a failed call. */
    public static CorvidException toException(StatusRuntimeException e, String address, String operation) {
        return GrpcErrors.toException(e, address, operation);
    }
}
