package dev.corvid.node.security;

import dev.corvid.node.config.ConfigException;
import dev.corvid.node.config.TlsSettings;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.InsecureServerCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The gRPC credentials of a node and of the command-line tools, from the cluster's {@link
 * TlsSettings}: plaintext without them; otherwise TLS (1.3, or 1.2) with the cluster's CA as the only
 * trust anchor, and each side presenting its own certificate.
 */
public final class Tls {

    private Tls() {
    }

    /**
     * What node {@code node} listens with. A client certificate is asked for, not demanded by the
     * handshake: the health service stays open to probes, and every other call is refused
     * {@code UNAUTHENTICATED} without one ({@link Authorization}). {@code refused} logs the
     * certificates the handshake rejects.
     */
    public static ServerCredentials server(TlsSettings tls, String node, RefusedConnections refused) {
        if (!tls.enabled()) {
            return InsecureServerCredentials.create();
        }
        try {
            return TlsServerCredentials.newBuilder()
                    .keyManager(readable(tls.nodeCertificate(node)).toFile(), readable(tls.nodeKey(node)).toFile())
                    .trustManager(refused.trustManager(readable(tls.ca())))
                    .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL)
                    .build();
        } catch (IOException e) {
            throw new ConfigException("node '" + node + "' cannot read its TLS certificate or key in " + tls.certificates()
                    + ": " + e.getMessage(), e);
        }
    }

    /** What node {@code node} dials other nodes with: its own certificate, the cluster's CA. */
    public static ChannelCredentials asNode(TlsSettings tls, String node) {
        return tls.enabled() ? client(tls, tls.nodeCertificate(node), tls.nodeKey(node)) : InsecureChannelCredentials.create();
    }

    /**
     * What node {@code node} dials node {@code peer} with when what it sends is for that node
     * alone (a master's replication stream, a replica's hand-back): {@link #asNode}, and the
     * handshake also demands that the server's certificate is {@code peer}'s (common name), so
     * another node or a client certificate of the CA at that address gets nothing.
     */
    public static ChannelCredentials toPeer(TlsSettings tls, String node, String peer) {
        if (!tls.enabled()) {
            return InsecureChannelCredentials.create();
        }
        Path certificate = readable(tls.nodeCertificate(node));
        Path key = readable(tls.nodeKey(node));
        try {
            return TlsChannelCredentials.newBuilder()
                    .keyManager(certificate.toFile(), key.toFile())
                    .trustManager(new PeerTrust(caTrust(readable(tls.ca())), peer))
                    .build();
        } catch (IOException e) {
            throw new ConfigException("node '" + node + "' cannot read its TLS certificate or key in " + tls.certificates()
                    + ": " + e.getMessage(), e);
        }
    }

    /** What a tool acting as client {@code client} (e.g. {@code admin}) dials nodes with. */
    public static ChannelCredentials asClient(TlsSettings tls, String client) {
        return tls.enabled() ? client(tls, tls.clientCertificate(client), tls.clientKey(client))
                : InsecureChannelCredentials.create();
    }

    private static ChannelCredentials client(TlsSettings tls, Path certificate, Path key) {
        try {
            return TlsChannelCredentials.newBuilder()
                    .keyManager(readable(certificate).toFile(), readable(key).toFile())
                    .trustManager(readable(tls.ca()).toFile())
                    .build();
        } catch (IOException e) {
            throw new ConfigException("cannot read TLS certificate " + certificate + " or its key: " + e.getMessage(), e);
        }
    }

    /** The JDK's trust manager with the CA certificates in {@code caPem} as its only anchors. */
    static X509ExtendedTrustManager caTrust(Path caPem) throws IOException {
        try (InputStream in = Files.newInputStream(caPem)) {
            KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
            anchors.load(null, null);
            int i = 0;
            for (Certificate ca : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                anchors.setCertificateEntry("ca-" + i++, ca);
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(anchors);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager x509) {
                    return x509;
                }
            }
            throw new IOException("the JDK offers no X.509 trust manager");
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the CA certificates in " + caPem + ": " + e.getMessage(), e);
        }
    }

    private static Path readable(Path file) {
        if (!Files.isReadable(file)) {
            throw new ConfigException("TLS file " + file + " does not exist or cannot be read; create the cluster's"
                    + " certificates with scripts/make-certs.sh CONFIG");
        }
        return file;
    }
}
