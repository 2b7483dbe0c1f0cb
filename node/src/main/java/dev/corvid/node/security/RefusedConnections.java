package dev.corvid.node.security;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.ServerTransportFilter;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a TLS node says about the connections it refuses before any call could be refused: a
 * client certificate the handshake rejects (expired, not yet valid, not of the cluster's CA), and a
 * connection that ends before its handshake completed (a plaintext client at a TLS port, a client
 * that does not trust the node). Each is logged once per certificate serial or per client host,
 * not once per retry, at most {@value Authorization#LOGGED} remembered; the node serves on.
 */
public final class RefusedConnections extends ServerTransportFilter {

    private static final Logger log = LoggerFactory.getLogger(RefusedConnections.class);
    /** Marks a transport whose TLS handshake completed. */
    private static final Attributes.Key<Boolean> HANDSHAKEN = Attributes.Key.create("corvid-handshaken");

    private final String node;
    private final Set<String> logged = ConcurrentHashMap.newKeySet();

    public RefusedConnections(String node) {
        this.node = node;
    }

    /**
     * The trust manager that verifies client certificates against the CA certificates in
     * {@code caPem}, and logs each certificate it rejects once.
     */
    public TrustManager trustManager(Path caPem) throws IOException {
        return new Logging(Tls.caTrust(caPem));
    }

    @Override
    public Attributes transportReady(Attributes attributes) {
        return attributes.toBuilder().set(HANDSHAKEN, Boolean.TRUE).build();
    }

    @Override
    public void transportTerminated(Attributes attributes) {
        if (attributes != null && Boolean.TRUE.equals(attributes.get(HANDSHAKEN))) {
            return;
        }
        String host = attributes == null ? null : host(attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
        once(host == null ? "handshake:unknown" : "handshake:" + host, "node " + node + " closed a connection"
                + (host == null ? "" : " from " + host) + " before its TLS handshake completed: a plaintext client at"
                + " this TLS port, a client that does not trust the cluster's CA, or a refused certificate");
    }

    private void once(String key, String message) {
        if (logged.size() < Authorization.LOGGED && logged.add(key)) {
            log.warn("{} (not logged again for this caller)", message);
        }
    }

    private static String host(SocketAddress address) {
        return address instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : null;
    }

    /** Verifies as the JDK's trust manager does; logs what it rejects. */
    private final class Logging extends X509ExtendedTrustManager {

        private final X509ExtendedTrustManager delegate;

        Logging(X509ExtendedTrustManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            try {
                delegate.checkClientTrusted(chain, authType, engine);
            } catch (CertificateException e) {
                refused(chain, engine == null ? null : engine.getPeerHost(), e);
                throw e;
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            try {
                delegate.checkClientTrusted(chain, authType, socket);
            } catch (CertificateException e) {
                refused(chain, socket == null ? null : host(socket.getRemoteSocketAddress()), e);
                throw e;
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            try {
                delegate.checkClientTrusted(chain, authType);
            } catch (CertificateException e) {
                refused(chain, null, e);
                throw e;
            }
        }

        private void refused(X509Certificate[] chain, String host, CertificateException e) {
            X509Certificate leaf = chain == null || chain.length == 0 ? null : chain[0];
            String serial = leaf == null ? "none" : leaf.getSerialNumber().toString(16);
            String subject = leaf == null ? "no certificate" : leaf.getSubjectX500Principal().getName();
            once("certificate:" + serial, "node " + node + " refused the client certificate " + subject + " (serial "
                    + serial + ")" + (host == null ? "" : " from " + host) + " in the TLS handshake: " + reason(leaf, e));
        }

        /** Why, in words: the validity dates when they are the cause, else the verifier's message. */
        private static String reason(X509Certificate leaf, CertificateException e) {
            if (leaf != null && leaf.getNotAfter().toInstant().isBefore(Instant.now())) {
                return "it expired at " + leaf.getNotAfter().toInstant();
            }
            if (leaf != null && leaf.getNotBefore().toInstant().isAfter(Instant.now())) {
                return "it is not valid before " + leaf.getNotBefore().toInstant();
            }
            return e.getMessage();
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            delegate.checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            delegate.checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }
}
