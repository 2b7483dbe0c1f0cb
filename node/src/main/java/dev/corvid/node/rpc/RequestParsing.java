package dev.corvid.node.rpc;

import io.grpc.Attributes;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.SecurityLevel;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.InputStream;

/**
 * Makes a service answer {@code INVALID_ARGUMENT} to a request whose bytes do not parse as its
 * method's message (truncated, not protobuf at all, a {@code string} field that is not UTF-8).
 * Left alone, grpc-java parses a request inside the server, before any handler or interceptor sees
 * it, and ends the call {@code UNKNOWN} ("Application error processing RPC") when that fails.
 *
 * <p>How: every method is registered again with a request marshaller that never throws: it hands on
 * either the message or the {@link Errors#malformedRequest status} saying why it did not parse. In
 * front of the service's own handler, a listener passes messages on, and on the first one that did
 * not parse, closes the call with that status and tells the service the call was cancelled, as if
 * its client had cancelled it. From then on nothing more of the call reaches the service and what
 * the service still sends on it is dropped. Only that call ends: an Exchange or Replicate stream
 * with a bad message in the middle ends, the node's other calls and streams go on.
 */
final class RequestParsing {

    private RequestParsing() {
    }

    /** {@code service} with every method's request parsing guarded as described above. */
    static ServerServiceDefinition refuseMalformed(ServerServiceDefinition service) {
        return ServiceMethods.replace(service, RequestParsing::guard);
    }

    private static <Q, A> ServerMethodDefinition<Parsed<Q>, A> guard(ServerMethodDefinition<Q, A> method) {
        MethodDescriptor<Q, A> original = method.getMethodDescriptor();
        MethodDescriptor<Parsed<Q>, A> lenient = original
                .toBuilder(new LenientMarshaller<>(original), original.getResponseMarshaller())
                .build();
        return ServerMethodDefinition.create(lenient, new GuardedHandler<>(original, method.getServerCallHandler()));
    }

    /** A request as parsed: the message, or (message null) the status to refuse it with. */
    private record Parsed<Q>(Q message, Status refusal) {
    }

    private record LenientMarshaller<Q>(MethodDescriptor<Q, ?> method) implements MethodDescriptor.Marshaller<Parsed<Q>> {

        @Override
        public InputStream stream(Parsed<Q> value) {
            return method.streamRequest(value.message());
        }

        @Override
        public Parsed<Q> parse(InputStream stream) {
            try {
                return new Parsed<>(method.parseRequest(stream), null);
            } catch (RuntimeException e) {
                // protobuf's marshaller throws StatusRuntimeException(INTERNAL) with the parse error as cause
                return new Parsed<>(null, Errors.malformedRequest(method.getFullMethodName(), e));
            }
        }
    }

    private record GuardedHandler<Q, A>(MethodDescriptor<Q, A> method, ServerCallHandler<Q, A> next)
            implements ServerCallHandler<Parsed<Q>, A> {

        @Override
        public ServerCall.Listener<Parsed<Q>> startCall(ServerCall<Parsed<Q>, A> call, Metadata headers) {
            GuardedCall<Q, A> guarded = new GuardedCall<>(call, method);
            return new GuardedListener<>(guarded, next.startCall(guarded, headers));
        }
    }

    /**
     * Passes messages on until one did not parse; then refuses the call and tells the service it
     * was cancelled. grpc-java delivers a call's events one at a time, so no lock is needed here.
     */
    private static final class GuardedListener<Q> extends ServerCall.Listener<Parsed<Q>> {
        private final GuardedCall<Q, ?> call;
        private final ServerCall.Listener<Q> next;
        private boolean refused;

        GuardedListener(GuardedCall<Q, ?> call, ServerCall.Listener<Q> next) {
            this.call = call;
            this.next = next;
        }

        @Override
        public void onMessage(Parsed<Q> parsed) {
            if (refused) {
                return;
            }
            if (parsed.refusal() == null) {
                next.onMessage(parsed.message());
                return;
            }
            refused = true;
            call.refuse(parsed.refusal());
            next.onCancel();
        }

        @Override
        public void onHalfClose() {
            if (!refused) {
                next.onHalfClose();
            }
        }

        @Override
        public void onCancel() {
            if (!refused) {
                next.onCancel();
            }
        }

        @Override
        public void onComplete() {
            if (!refused) {
                next.onComplete();
            }
        }

        @Override
        public void onReady() {
            if (!refused) {
                next.onReady();
            }
        }

        @Override
        public void onEvent(Object event) {
            if (!refused) {
                next.onEvent(event);
            }
        }
    }

    /**
     * The call as the service sees it: its own method descriptor and, once refused, sends and
     * closes that do nothing. The service may send from another thread than the one a bad message
     * arrives on, so sending and closing are serialised on {@code this}.
     */
    private static final class GuardedCall<Q, A> extends ServerCall<Q, A> {
        private final ServerCall<Parsed<Q>, A> call;
        private final MethodDescriptor<Q, A> method;
        /** Written under this: the call was refused (and closed). */
        private volatile boolean refused;
        /** Guarded by this: the service closed the call. */
        private boolean closedByService;

        GuardedCall(ServerCall<Parsed<Q>, A> call, MethodDescriptor<Q, A> method) {
            this.call = call;
            this.method = method;
        }

        synchronized void refuse(Status status) {
            if (!refused) {
                refused = true;
                if (!closedByService) {
                    call.close(status, new Metadata());
                }
            }
        }

        @Override
        public synchronized void sendHeaders(Metadata headers) {
            if (!refused) {
                call.sendHeaders(headers);
            }
        }

        @Override
        public synchronized void sendMessage(A message) {
            if (!refused) {
                call.sendMessage(message);
            }
        }

        @Override
        public synchronized void close(Status status, Metadata trailers) {
            if (!refused) {
                closedByService = true;
                call.close(status, trailers);
            }
        }

        @Override
        public boolean isCancelled() {
            return refused || call.isCancelled();
        }

        @Override
        public void request(int numMessages) {
            call.request(numMessages);
        }

        @Override
        public boolean isReady() {
            return !refused && call.isReady();
        }

        @Override
        public void setMessageCompression(boolean enabled) {
            call.setMessageCompression(enabled);
        }

        @Override
        public void setCompression(String compressor) {
            call.setCompression(compressor);
        }

        @Override
        public void setOnReadyThreshold(int numBytes) {
            call.setOnReadyThreshold(numBytes);
        }

        @Override
        public SecurityLevel getSecurityLevel() {
            return call.getSecurityLevel();
        }

        @Override
        public Attributes getAttributes() {
            return call.getAttributes();
        }

        @Override
        public String getAuthority() {
            return call.getAuthority();
        }

        @Override
        public void triggerEvent(Object event) {
            call.triggerEvent(event);
        }

        @Override
        public MethodDescriptor<Q, A> getMethodDescriptor() {
            return method;
        }
    }
}
