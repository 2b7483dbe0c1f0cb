package dev.corvid.node.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.corvid.node.cli.Admin;
import dev.corvid.node.config.ClusterConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SignatureException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class LocalCertificatesTest {

    private static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    private static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
    private static final int DNS = 2;
    private static final int IP = 7;
    private static final char[] PASSWORD = "changeit".toCharArray();

    @TempDir
    Path dir;

    private Path config;
    private CertificateFiles files;
    private X509Certificate ca;

    @BeforeEach
    void createCertificates() throws IOException {
        config = dir.resolve("cluster-config/test-secure.json");
        Files.createDirectories(config.getParent());
        Files.writeString(config, """
                {"cluster": "test-secure", "secret": "0123456789abcdef0123",
                 "tls": {"certificates": "../run/test-secure-certs"},
                 "nodes": [
                   {"name": "A", "host": "10.1.2.3", "port": 7001, "dataDir": "../run/A", "role": "master"},
                   {"name": "B", "host": "db-b.example", "port": 7002, "dataDir": "../run/B", "role": "replica"},
                   {"name": "C", "host": "127.0.0.1", "port": 7003, "dataDir": "../run/C", "role": "replica"}
                 ]}
                """);
        files = LocalCertificates.create(ClusterConfig.load(config), dir.resolve("certs"), Duration.ofDays(30));
        ca = certificate(files.ca().certificate());
    }

    @Test
    void ca_isSelfSigned_forSigningCertificatesOnly() throws Exception {
        assertEquals("CN=Corvid CA test-secure", ca.getSubjectX500Principal().getName());
        ca.verify(ca.getPublicKey());
        assertTrue(ca.getBasicConstraints() >= 0, "CA:true");
        assertTrue(ca.getCriticalExtensionOIDs().contains("2.5.29.19"), "basicConstraints is critical");
        boolean[] usage = ca.getKeyUsage();
        assertTrue(usage[5] && usage[6], "keyCertSign and cRLSign");
        assertEquals("SHA256withECDSA", ca.getSigAlgName());
        Instant notBefore = ca.getNotBefore().toInstant();
        assertTrue(notBefore.isBefore(Instant.now().minus(Duration.ofMinutes(59))),
                "valid from an hour ago: " + notBefore);
        assertEquals(Duration.ofDays(30), Duration.between(notBefore, ca.getNotAfter().toInstant()));
    }

    @Test
    void nodeCertificate_isSignedByTheCa_andValidatesAsAPkixPath() throws Exception {
        for (CertificateFiles.PemFiles node : files.nodes().values()) {
            X509Certificate certificate = certificate(node.certificate());
            certificate.verify(ca.getPublicKey());
            validate(certificate, ca);
            assertEquals(-1, certificate.getBasicConstraints(), "not a CA");
        }
    }

    @Test
    void nodeCertificate_namesItsHostLocalhostAndLoopback_forServerAndClientAuth() throws Exception {
        X509Certificate a = certificate(files.nodes().get("A").certificate());
        assertEquals("CN=A", a.getSubjectX500Principal().getName());
        assertEquals(Set.of(List.of(IP, "10.1.2.3"), List.of(DNS, "localhost"), List.of(IP, "127.0.0.1")),
                Set.copyOf(a.getSubjectAlternativeNames()));
        assertEquals(List.of(SERVER_AUTH, CLIENT_AUTH), a.getExtendedKeyUsage());
        assertTrue(certificate(files.nodes().get("B").certificate()).getSubjectAlternativeNames()
                .contains(List.of(DNS, "db-b.example")));
        assertEquals(2, certificate(files.nodes().get("C").certificate()).getSubjectAlternativeNames().size(),
                "127.0.0.1 once");
        assertNotEquals(a.getSerialNumber(), certificate(files.nodes().get("B").certificate()).getSerialNumber());
        assertEquals(128, a.getSerialNumber().bitLength());
    }

    @Test
    void clientCertificates_areForClientAuthOnly() throws Exception {
        assertEquals(List.of("admin", "readwrite", "read"), List.copyOf(files.clients().keySet()));
        for (var client : files.clients().entrySet()) {
            X509Certificate certificate = certificate(client.getValue().certificate());
            assertEquals("CN=" + client.getKey(), certificate.getSubjectX500Principal().getName());
            assertEquals(List.of(CLIENT_AUTH), certificate.getExtendedKeyUsage());
            assertNull(certificate.getSubjectAlternativeNames());
            validate(certificate, ca);
        }
    }

    @Test
    void keyStores_openWithChangeit_andHoldTheKeyAndTheChain() throws Exception {
        for (var client : files.clients().entrySet()) {
            KeyStore store = keyStore(client.getValue().keyStore());
            assertEquals(List.of(client.getKey()), List.of(store.aliases().nextElement()));
            assertEquals(privateKey(client.getValue().key()), store.getKey(client.getKey(), PASSWORD));
            Certificate[] chain = store.getCertificateChain(client.getKey());
            assertEquals(List.of(certificate(client.getValue().certificate()), ca), List.of(chain));
        }
        KeyStore trust = keyStore(files.trustStore());
        assertEquals(1, trust.size());
        assertTrue(trust.isCertificateEntry("corvid-ca"));
        assertEquals(ca, trust.getCertificate("corvid-ca"));
    }

    @Test
    void keyFiles_areReadableByTheirOwnerOnly() throws IOException {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Set<PosixFilePermission> ownerOnly = Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertEquals(ownerOnly, Files.getPosixFilePermissions(files.ca().key()));
        assertEquals(ownerOnly, Files.getPosixFilePermissions(files.nodes().get("A").key()));
        assertEquals(ownerOnly, Files.getPosixFilePermissions(files.clients().get("read").key()));
        assertEquals(ownerOnly, Files.getPosixFilePermissions(files.clients().get("read").keyStore()));
    }

    @Test
    void certsCommand_withoutForce_changesNothing_withForce_createsAnew() throws IOException {
        Path out = dir.resolve("run/test-secure-certs"); // the default: the config's "tls" folder
        CommandLine admin = new CommandLine(new Admin());
        assertEquals(0, admin.execute("certs", "--config", config.toString()));
        Map<Path, String> first = contents(out);
        assertEquals(3 * 2 + 3 * 3 + 3, first.size(), first.keySet().toString());

        assertEquals(0, admin.execute("certs", "--config", config.toString()));
        assertEquals(first, contents(out));

        assertEquals(0, admin.execute("certs", "--config", config.toString(), "--force"));
        Map<Path, String> forced = contents(out);
        assertEquals(first.keySet(), forced.keySet());
        assertNotEquals(first.get(Path.of("ca.pem")), forced.get(Path.of("ca.pem")));
        assertNotEquals(first.get(Path.of("nodes/A-key.pem")), forced.get(Path.of("nodes/A-key.pem")));
    }

    @Test
    void client_ofAnotherCa_doesNotValidateAgainstTheClusterCa() throws Exception {
        Path other = dir.resolve("other");
        LocalCertificates.createCa(other, "Some other CA");
        X509Certificate stranger = certificate(LocalCertificates.client(other, "admin", Instant.now().minusSeconds(60),
                Instant.now().plus(Duration.ofDays(1))).certificate());

        validate(stranger, certificate(other.resolve("ca.pem")));
        assertThrows(SignatureException.class, () -> stranger.verify(ca.getPublicKey()));
        assertThrows(CertPathValidatorException.class, () -> validate(stranger, ca));
    }

    @Test
    void client_pastItsValidity_failsCheckValidity() throws Exception {
        CertificateFiles.ClientFiles expired = LocalCertificates.client(files.directory(), "expired",
                Instant.now().minus(Duration.ofDays(2)), Instant.now().minus(Duration.ofDays(1)));
        X509Certificate certificate = certificate(expired.certificate());
        certificate.verify(ca.getPublicKey());
        assertThrows(CertificateExpiredException.class, certificate::checkValidity);
    }

    @Test
    void nodePemFilesAndClientKeyStore_makeSslContexts_thatCompleteAMutualTlsHandshake() throws Exception {
        CertificateFiles.PemFiles a = files.nodes().get("A");
        KeyStore nodeKeys = KeyStore.getInstance("PKCS12");
        nodeKeys.load(null, null);
        nodeKeys.setKeyEntry("A", privateKey(a.key()), PASSWORD, new Certificate[] {certificate(a.certificate()), ca});
        SSLContext node = sslContext(nodeKeys);

        SSLSession session = handshake(node, sslContext(keyStore(files.clients().get("admin").keyStore())));
        assertEquals("CN=admin", session.getPeerPrincipal().getName());

        Path other = dir.resolve("other");
        LocalCertificates.createCa(other, "Some other CA");
        CertificateFiles.ClientFiles stranger = LocalCertificates.client(other, "admin", Instant.now().minusSeconds(60),
                Instant.now().plus(Duration.ofDays(1)));
        assertThrows(SSLHandshakeException.class, () -> handshake(node, sslContext(keyStore(stranger.keyStore()))));
    }

    private SSLContext sslContext(KeyStore keys) throws GeneralSecurityException, IOException {
        KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keyManagers.init(keys, PASSWORD);
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(keyStore(files.trustStore()));
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), null);
        return context;
    }

    /**
     * A TLS handshake in memory between a server that requires a client certificate and a client
     * that checks the server's name ("localhost") against its certificate; the server's session.
     */
    private static SSLSession handshake(SSLContext serverContext, SSLContext clientContext) throws SSLException {
        SSLEngine server = serverContext.createSSLEngine();
        server.setUseClientMode(false);
        server.setNeedClientAuth(true);
        SSLEngine client = clientContext.createSSLEngine("localhost", 7001);
        client.setUseClientMode(true);
        SSLParameters parameters = client.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        client.setSSLParameters(parameters);
        ByteBuffer toServer = ByteBuffer.allocate(1 << 16);
        ByteBuffer toClient = ByteBuffer.allocate(1 << 16);
        client.beginHandshake();
        server.beginHandshake();
        for (int step = 0; step < 100; step++) {
            boolean clientBusy = advance(client, toClient, toServer);
            boolean serverBusy = advance(server, toServer, toClient);
            if (!clientBusy && !serverBusy) {
                return server.getSession();
            }
        }
        return fail("the handshake did not finish in 100 steps");
    }

    /** One step of an engine's handshake; false once it has nothing left to do. */
    private static boolean advance(SSLEngine engine, ByteBuffer in, ByteBuffer out) throws SSLException {
        switch (engine.getHandshakeStatus()) {
            case NEED_TASK -> {
                for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
                    task.run();
                }
            }
            case NEED_WRAP -> engine.wrap(ByteBuffer.allocate(0), out);
            case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                in.flip();
                engine.unwrap(in, ByteBuffer.allocate(1 << 16));
                in.compact();
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private static void validate(X509Certificate certificate, X509Certificate anchor) throws GeneralSecurityException {
        PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
        parameters.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(
                CertificateFactory.getInstance("X.509").generateCertPath(List.of(certificate)), parameters);
    }

    private static X509Certificate certificate(Path pem) throws IOException {
        try (InputStream in = Files.newInputStream(pem)) {
            return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        } catch (GeneralSecurityException e) {
            throw new AssertionError(pem + " does not hold a certificate", e);
        }
    }

    /** The key as grpc-netty reads a PEM key file: PKCS#8 through the JDK's KeyFactory. */
    private static PrivateKey privateKey(Path pem) throws IOException, GeneralSecurityException {
        String text = Files.readString(pem);
        assertTrue(text.startsWith("-----BEGIN PRIVATE KEY-----\n"), text);
        String base64 = text.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
        byte[] der = Base64.getDecoder().decode(base64);
        return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
    }

    private static KeyStore keyStore(Path file) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, PASSWORD);
        }
        return store;
    }

    /** Every file below {@code root}, by relative path, as hex. */
    private static Map<Path, String> contents(Path root) throws IOException {
        Map<Path, String> contents = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path file : paths.filter(Files::isRegularFile).toList()) {
                contents.put(root.relativize(file), HexFormat.of().formatHex(Files.readAllBytes(file)));
            }
        }
        return contents;
    }
}
