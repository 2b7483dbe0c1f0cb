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
import java.nio.file.Files;
import java.nio.file.Path;

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

    private static Path readable(Path file) {
        if (!Files.isReadable(file)) {
            throw new ConfigException("TLS file " + file + " does not exist or cannot be read; create the cluster's"
                    + " certificates with scripts/make-certs.sh CONFIG");
        }
        return file;
    }
}
