package dev.corvid.node.security;

import io.grpc.Context;
import io.grpc.Status;

/**
 * Who a call on a TLS node comes from: the common name of the client certificate the handshake
 * verified, and the role the cluster config gives it. Set for the call by {@link Authorization}.
 *
 * @param name the certificate's common name (a node's name for a node)
 * @param role what it may do
 */
public record Identity(String name, Role role) {

    static final Context.Key<Identity> KEY = Context.key("corvid-identity");

    /** The identity of the call being served; null on a node without TLS. */
    public static Identity current() {
        return KEY.get();
    }

    /** Whether the call being served may do what {@code role} may; always on a node without TLS. */
    public static boolean allows(Role role) {
        Identity id = current();
        return id == null || id.role().covers(role);
    }

    /**
     * Within a call that carries several kinds of work (an Exchange stream's writes): refuses one
     * that needs {@code required} when the caller's role is smaller. Nothing to check without TLS.
     *
     * @throws io.grpc.StatusRuntimeException PERMISSION_DENIED naming {@code what} and the roles
     */
    public static void require(Role required, String what) {
        Identity id = current();
        if (id != null && !id.role().covers(required)) {
            throw Status.PERMISSION_DENIED.withDescription(what + " needs role " + required.configName()
                    + "; certificate CN=" + id.name() + " has role " + id.role().configName() + ": nothing was done")
                    .asRuntimeException();
        }
    }
}
