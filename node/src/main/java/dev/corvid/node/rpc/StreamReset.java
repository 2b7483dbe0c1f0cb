package dev.corvid.node.rpc;

import dev.corvid.proto.DigestPage;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.ExchangeResponse;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.util.Map;

/**
 * Lets the node reset (HTTP/2 RST_STREAM) one of its own streaming answers, which gRPC has no call
 * for. Closing a call with an error status is not enough for a reader that takes nothing: the
 * trailers queue behind the data it does not take, and the transport keeps that data until the
 * client reads or goes away. A reset drops it at once, and gRPC then runs the call's cancel handler.
 *
 * <p>How: gRPC resets a stream whose response marshaller fails (grpc-java's
 * {@code ServerCallImpl.handleInternalError}, since 1.58; {@code StalledReadersTest} shows it
 * still does). {@link #install} gives the streaming methods a marshaller that fails for one
 * sentinel message, {@link #EXCHANGE} or {@link #DIGEST}, and serializes every other as before:
 * sending the sentinel with {@code onNext} resets the stream. gRPC logs one warning for it.
 */
final class StreamReset {

    /** Sent on an Exchange stream, resets it. Compared by identity: no real answer is this object. */
    static final ExchangeResponse EXCHANGE = ExchangeResponse.newBuilder().build();
    /** Sent on a Digest stream, resets it. Compared by identity. */
    static final DigestPage DIGEST = DigestPage.newBuilder().build();

    private static final Map<String, Object> SENTINELS = Map.of(
            DocumentsGrpc.getExchangeMethod().getFullMethodName(), EXCHANGE,
            DocumentsGrpc.getDigestMethod().getFullMethodName(), DIGEST);

    private StreamReset() {
    }

    /** {@code service} with the streaming methods able to reset; the rest, and the schema, as they were. */
    static ServerServiceDefinition install(ServerServiceDefinition service) {
        return ServiceMethods.replace(service, StreamReset::resetting);
    }

    @SuppressWarnings("unchecked")
    private static <Q, A> ServerMethodDefinition<Q, A> resetting(ServerMethodDefinition<Q, A> method) {
        MethodDescriptor<Q, A> md = method.getMethodDescriptor();
        A sentinel = (A) SENTINELS.get(md.getFullMethodName());
        if (sentinel == null) {
            return method;
        }
        MethodDescriptor<Q, A> resetting = md.toBuilder(md.getRequestMarshaller(),
                new Resetting<>(md.getResponseMarshaller(), sentinel)).build();
        return ServerMethodDefinition.create(resetting, method.getServerCallHandler());
    }

    private record Resetting<T>(MethodDescriptor.Marshaller<T> delegate, T sentinel)
            implements MethodDescriptor.Marshaller<T> {

        @Override
        public InputStream stream(T value) {
            if (value == sentinel) {
                throw new Reset();
            }
            return delegate.stream(value);
        }

        @Override
        public T parse(InputStream stream) {
            return delegate.parse(stream);
        }
    }

    /** What the marshaller throws; no stack trace, as gRPC logs it. */
    private static final class Reset extends StatusRuntimeException {
        private static final long serialVersionUID = 1L;

        Reset() {
            super(Errors.streamReset());
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }
}
