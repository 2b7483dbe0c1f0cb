package dev.corvid.node.rpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.SocketAddress;

/** Puts the caller's address in the call's context, so a handler can log who it refused. */
final class PeerAddress implements ServerInterceptor {

    private static final Context.Key<String> KEY = Context.key("corvid-peer-address");

    /** The remote address of the current call, or "unknown" (in-process transports have none). */
    static String current() {
        String peer = KEY.get();
        return peer == null ? "unknown" : peer;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        return Contexts.interceptCall(Context.current().withValue(KEY, remote == null ? "unknown" : remote.toString()),
                call, headers, next);
    }
}
