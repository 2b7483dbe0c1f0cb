package dev.corvid.node.security;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.config.TlsSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the certificates of a cluster live in their directory, written or not (the names a node
 * reads are {@link TlsSettings}'s):
 * <pre>
 * ca.pem, ca-key.pem                  the CA
 * nodes/NAME.pem, nodes/NAME-key.pem  one per node of the config
 * clients/NAME.pem, NAME-key.pem, NAME.p12   admin, readwrite, read
 * truststore.p12                      the CA certificate, alias corvid-ca
 * </pre>
 *
 * @param directory  the folder holding them all
 * @param ca         the CA's certificate and key
 * @param nodes      each node's certificate and key, by node name, in config order
 * @param clients    each client's files, by client name, in {@link LocalCertificates#CLIENTS} order
 * @param trustStore the PKCS#12 store holding only the CA certificate
 */
public record CertificateFiles(Path directory, PemFiles ca, Map<String, PemFiles> nodes,
                               Map<String, ClientFiles> clients, Path trustStore) {

    /** A certificate and its private key (PKCS#8, unencrypted), both PEM. */
    public record PemFiles(Path certificate, Path key) {
    }

    /**
     * A client's PEM certificate and key, and the PKCS#12 key store holding the key and the chain
     * (certificate, CA) under the client's name as alias.
     */
    public record ClientFiles(Path certificate, Path key, Path keyStore) {
    }

    public CertificateFiles {
        nodes = Collections.unmodifiableMap(new LinkedHashMap<>(nodes)); // Map.copyOf would lose the order
        clients = Collections.unmodifiableMap(new LinkedHashMap<>(clients));
    }

    /** The files of {@code cluster}'s certificates in {@code directory}. */
    public static CertificateFiles of(ClusterConfig cluster, Path directory) {
        Map<String, PemFiles> nodes = new LinkedHashMap<>();
        for (NodeConfig node : cluster.nodes()) {
            nodes.put(node.name(), nodeIn(directory, node.name()));
        }
        Map<String, ClientFiles> clients = new LinkedHashMap<>();
        for (String client : LocalCertificates.CLIENTS) {
            clients.put(client, clientIn(directory, client));
        }
        return new CertificateFiles(directory, caIn(directory), nodes, clients, directory.resolve("truststore.p12"));
    }

    /**
     * Whether the CA certificate is there. It is written last, so a run cut short leaves none and
     * counts as not done.
     */
    public boolean exist() {
        return Files.exists(ca.certificate());
    }

    static PemFiles caIn(Path directory) {
        TlsSettings layout = new TlsSettings(directory);
        return new PemFiles(layout.ca(), directory.resolve("ca-key.pem"));
    }

    static PemFiles nodeIn(Path directory, String name) {
        TlsSettings layout = new TlsSettings(directory);
        return new PemFiles(layout.nodeCertificate(name), layout.nodeKey(name));
    }

    static ClientFiles clientIn(Path directory, String name) {
        TlsSettings layout = new TlsSettings(directory);
        return new ClientFiles(layout.clientCertificate(name), layout.clientKey(name),
                layout.clientKey(name).resolveSibling(name + ".p12"));
    }
}
