package dev.corvid.node.config;

import java.nio.file.Path;

/**
 * Where a cluster's certificates are, from the cluster config's optional {@code "tls"} object:
 * <pre>
 *   "tls": {"certificates": "../run/local-3node-secure-certs"}
 * </pre>
 * The folder (relative to the config file, like a {@code dataDir}) holds what {@code corvid-admin
 * certs} writes: {@code ca.pem}, the CA every node and client certificate must chain to;
 * {@code nodes/<name>.pem} and {@code nodes/<name>-key.pem}, each node's certificate and PKCS#8
 * key; {@code clients/<name>.pem} and {@code clients/<name>-key.pem} for the command-line tools
 * (they act as {@code admin}). With it every gRPC listener of a node speaks TLS only, and every
 * call but the health check needs a client certificate signed by the CA.
 *
 * @param certificates the folder; null for none (plaintext, allowed on loopback only)
 */
public record TlsSettings(Path certificates) {

    /** No TLS: plaintext. */
    public static final TlsSettings NONE = new TlsSettings(null);

    public boolean enabled() {
        return certificates != null;
    }

    /** The CA certificate (PEM) that node and client certificates must chain to. */
    public Path ca() {
        return require().resolve("ca.pem");
    }

    /** Node {@code name}'s certificate chain (PEM). */
    public Path nodeCertificate(String name) {
        return require().resolve("nodes").resolve(name + ".pem");
    }

    /** Node {@code name}'s private key (PKCS#8 PEM). */
    public Path nodeKey(String name) {
        return require().resolve("nodes").resolve(name + "-key.pem");
    }

    /** Client {@code name}'s certificate chain (PEM), e.g. {@code admin}. */
    public Path clientCertificate(String name) {
        return require().resolve("clients").resolve(name + ".pem");
    }

    /** Client {@code name}'s private key (PKCS#8 PEM). */
    public Path clientKey(String name) {
        return require().resolve("clients").resolve(name + "-key.pem");
    }

    private Path require() {
        if (certificates == null) {
            throw new IllegalStateException("the cluster config has no \"tls\"");
        }
        return certificates;
    }
}
