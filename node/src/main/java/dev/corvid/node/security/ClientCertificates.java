package dev.corvid.node.security;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthGrpc;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On a TLS node, refuses every call but the health check that comes without a client certificate
 * the TLS handshake verified against the cluster's CA: {@code UNAUTHENTICATED}, nothing run. A
 * certificate signed by another CA, expired or self-signed fails the handshake itself. Each refused
 * peer host is logged once, not once per retry (at most {@value #LOGGED_HOSTS} hosts remembered).
 */
public final class ClientCertificates implements ServerInterceptor {

    private static final Logger log = LoggerFactory.getLogger(ClientCertificates.class);
    static final int LOGGED_HOSTS = 1_024;

    private final String node;
    private final Set<String> logged = ConcurrentHashMap.newKeySet();

    public ClientCertificates(String node) {
        this.node = node;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        if (call.getMethodDescriptor().getServiceName().equals(HealthGrpc.SERVICE_NAME) || hasCertificate(call)) {
            return next.startCall(call, headers);
        }
        String host = host(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
        if (logged.size() < LOGGED_HOSTS && logged.add(host)) {
            log.warn("node {} refused {} from {}: no client certificate (further refusals of this host are not logged)",
                    node, call.getMethodDescriptor().getFullMethodName(), host);
        }
        call.close(Status.UNAUTHENTICATED.withDescription("node '" + node + "' takes " + call.getMethodDescriptor()
                .getFullMethodName() + " only with a client certificate signed by the cluster's CA"
                + " (DocumentStore.setCertificate, or the cluster's clients/ certificates for the tools)"), new Metadata());
        return new ServerCall.Listener<>() {
        };
    }

    private static boolean hasCertificate(ServerCall<?, ?> call) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session == null) {
            return false;
        }
        try {
            Certificate[] chain = session.getPeerCertificates();
            return chain != null && chain.length > 0;
        } catch (SSLPeerUnverifiedException e) {
            return false;
        }
    }

    private static String host(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? inet.getAddress().getHostAddress() : String.valueOf(address);
    }
}
