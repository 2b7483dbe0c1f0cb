package dev.corvid.client;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.security.CertificateFiles;
import dev.corvid.node.security.LocalCertificates;
import dev.corvid.testing.CorvidTestCluster;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

/** Certificates for a three-node {@link CorvidTestCluster} with TLS, as {@code scripts/make-certs.sh} makes them. */
public final class TestCertificates {

    private TestCertificates() {
    }

    /** The cluster's node names and hosts, as the certificates need them (ports and data do not matter). */
    public static ClusterConfig shape(Path dir) {
        return ClusterConfig.parse("{\"cluster\": \"" + CorvidTestCluster.NAME + "\", \"nodes\": ["
                + "{\"name\": \"A\", \"host\": \"127.0.0.1\", \"port\": 0, \"dataDir\": \"a\", \"role\": \"master\"},"
                + "{\"name\": \"B\", \"host\": \"127.0.0.1\", \"port\": 0, \"dataDir\": \"b\", \"role\": \"replica\"},"
                + "{\"name\": \"C\", \"host\": \"127.0.0.1\", \"port\": 0, \"dataDir\": \"c\", \"role\": \"replica\"}]}",
                dir, "shape");
    }

    /** The CA, node and client certificates of A, B and C in {@code certs}. */
    public static CertificateFiles create(Path dir, Path certs) throws IOException {
        return LocalCertificates.create(shape(dir), certs, LocalCertificates.DEFAULT_VALIDITY);
    }

    /** A PKCS#12 store {@link LocalCertificates} wrote. */
    public static KeyStore load(Path p12) {
        try (InputStream in = Files.newInputStream(p12)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, LocalCertificates.STORE_PASSWORD.toCharArray());
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot read " + p12 + ": " + e, e);
        }
    }

    /** {@code store} with the client certificate {@code client} of {@code files} and the cluster's CA. */
    public static DocumentStore certified(DocumentStore store, CertificateFiles files, String client) {
        return store.setCertificate(load(files.clients().get(client).keyStore()))
                .setCertificatePrivateKeyPassword(LocalCertificates.STORE_PASSWORD.toCharArray())
                .setTrustStore(load(files.trustStore()));
    }
}
