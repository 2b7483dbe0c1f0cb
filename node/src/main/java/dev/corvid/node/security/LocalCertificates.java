package dev.corvid.node.security;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.NodeConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.util.IPAddress;

/**
 * A local CA and the certificates a TLS cluster needs, for local and test clusters: private keys
 * are written unencrypted and every PKCS#12 store has the password {@value #STORE_PASSWORD}.
 * Where each file goes is {@link CertificateFiles}'s. Keys are EC P-256, signatures SHA256withECDSA.
 *
 * <ul>
 *   <li>the CA: CN "Corvid CA <i>cluster name</i>", CA:true, keyUsage keyCertSign and cRLSign;</li>
 *   <li>a node: CN its name, subjectAltName its host (an IP entry for an IP literal, else a DNS
 *       entry), DNS localhost and IP 127.0.0.1; extendedKeyUsage serverAuth and clientAuth, since
 *       nodes also connect to each other;</li>
 *   <li>a client: CN its name ({@link #CLIENTS}), extendedKeyUsage clientAuth only.</li>
 * </ul>
 */
public final class LocalCertificates {

    /** The password of every PKCS#12 store written here. Well known: for local test clusters only. */
    public static final String STORE_PASSWORD = "changeit";

    /** The alias of the CA certificate in the trust store. */
    public static final String CA_ALIAS = "corvid-ca";

    /** The client certificates of a cluster, one per role; each is also its key store's alias. */
    public static final List<String> CLIENTS = List.of("admin", "readwrite", "read");

    /** How long certificates stay valid unless told otherwise: 825 days. */
    public static final Duration DEFAULT_VALIDITY = Duration.ofDays(825);

    /** How long before now validity starts, for machines whose clock is behind: 1 hour. */
    public static final Duration CLOCK_SKEW = Duration.ofHours(1);

    private LocalCertificates() {
    }

    /**
     * Writes a new CA and, signed by it, a certificate per node of {@code cluster} and per client of
     * {@link #CLIENTS}, and the trust store, replacing any earlier files of those names in
     * {@code directory} (others are left alone). All are valid from {@link #CLOCK_SKEW} ago for
     * {@code validity}. The CA certificate is written last, so a run cut short leaves no
     * {@code ca.pem} and {@link CertificateFiles#exist()} false.
     *
     * @throws IllegalArgumentException when {@code validity} is not positive
     */
    public static CertificateFiles create(ClusterConfig cluster, Path directory, Duration validity) throws IOException {
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("validity must be positive, is " + validity);
        }
        CertificateFiles files = CertificateFiles.of(cluster, directory);
        Instant notBefore = Instant.now().minus(CLOCK_SKEW);
        Instant notAfter = notBefore.plus(validity);
        try {
            Files.deleteIfExists(files.ca().certificate());
            CertificateAuthority ca = CertificateAuthority.create("Corvid CA " + cluster.name(), notBefore, notAfter);
            for (NodeConfig node : cluster.nodes()) {
                KeyPair keys = CertificateAuthority.newKeyPair();
                X509Certificate certificate = ca.issue(node.name(), keys.getPublic(), notBefore, notAfter,
                        nodeNames(node.advertise()), KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth);
                CertificateFiles.PemFiles pem = files.nodes().get(node.name());
                Pem.writePrivateKey(pem.key(), keys.getPrivate());
                Pem.writeCertificate(pem.certificate(), certificate);
            }
            for (String client : CLIENTS) {
                writeClient(ca, files.clients().get(client), client, notBefore, notAfter);
            }
            KeyStore trustStore = emptyStore();
            trustStore.setCertificateEntry(CA_ALIAS, ca.certificate());
            Pem.write(files.trustStore(), bytes(trustStore), false);
            ca.write(files.ca());
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw unsupported(e);
        }
        return files;
    }

    /**
     * Writes a new self-signed CA, CN {@code commonName}, valid from {@link #CLOCK_SKEW} ago for
     * {@link #DEFAULT_VALIDITY}, as {@code ca.pem} and {@code ca-key.pem} in {@code directory},
     * replacing any there. With {@link #client} it makes certificates a cluster's CA did not sign.
     */
    public static CertificateFiles.PemFiles createCa(Path directory, String commonName) throws IOException {
        Instant notBefore = Instant.now().minus(CLOCK_SKEW);
        CertificateFiles.PemFiles files = CertificateFiles.caIn(directory);
        try {
            CertificateAuthority.create(commonName, notBefore, notBefore.plus(DEFAULT_VALIDITY)).write(files);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw unsupported(e);
        }
        return files;
    }

    /**
     * Writes a client certificate, CN {@code name}, signed by the CA in {@code directory} (its
     * {@code ca.pem} and {@code ca-key.pem}), as {@code clients/NAME.pem}, {@code NAME-key.pem} and
     * {@code NAME.p12}, replacing any there. The validity may lie in the past, for tests of an
     * expired certificate.
     *
     * @throws IllegalArgumentException when {@code name} is not 1-64 letters, digits, '.', '_' or '-',
     *                                  or {@code notAfter} is not after {@code notBefore}
     * @throws java.nio.file.NoSuchFileException when {@code directory} holds no CA
     */
    public static CertificateFiles.ClientFiles client(Path directory, String name, Instant notBefore, Instant notAfter)
            throws IOException {
        if (!name.matches("[A-Za-z0-9_.-]{1,64}")) {
            throw new IllegalArgumentException("client name '" + name + "' is invalid: it names files, so use 1-64"
                    + " letters, digits, '.', '_' or '-'");
        }
        if (!notAfter.isAfter(notBefore)) {
            throw new IllegalArgumentException("notAfter " + notAfter + " is not after notBefore " + notBefore);
        }
        CertificateFiles.ClientFiles files = CertificateFiles.clientIn(directory, name);
        try {
            writeClient(CertificateAuthority.read(CertificateFiles.caIn(directory)), files, name, notBefore, notAfter);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw unsupported(e);
        }
        return files;
    }

    private static void writeClient(CertificateAuthority ca, CertificateFiles.ClientFiles files, String name,
                                    Instant notBefore, Instant notAfter)
            throws IOException, GeneralSecurityException, OperatorCreationException {
        KeyPair keys = CertificateAuthority.newKeyPair();
        X509Certificate certificate = ca.issue(name, keys.getPublic(), notBefore, notAfter, null,
                KeyPurposeId.id_kp_clientAuth);
        Pem.writePrivateKey(files.key(), keys.getPrivate());
        Pem.writeCertificate(files.certificate(), certificate);
        KeyStore keyStore = emptyStore();
        keyStore.setKeyEntry(name, keys.getPrivate(), STORE_PASSWORD.toCharArray(),
                new Certificate[] {certificate, ca.certificate()});
        Pem.write(files.keyStore(), bytes(keyStore), true);
    }

    /** A node's subjectAltName: its host, localhost and 127.0.0.1, each once. */
    static GeneralNames nodeNames(String host) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        Set<GeneralName> names = new LinkedHashSet<>();
        names.add(new GeneralName(IPAddress.isValid(bare) ? GeneralName.iPAddress : GeneralName.dNSName, bare));
        names.add(new GeneralName(GeneralName.dNSName, "localhost"));
        names.add(new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        return new GeneralNames(names.toArray(GeneralName[]::new));
    }

    private static KeyStore emptyStore() throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        return store;
    }

    private static byte[] bytes(KeyStore store) throws GeneralSecurityException, IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        store.store(out, STORE_PASSWORD.toCharArray());
        return out.toByteArray();
    }

    /** EC P-256, SHA256withECDSA and PKCS#12 are in every JDK 17: their absence is the runtime's fault. */
    private static IllegalStateException unsupported(Exception e) {
        return new IllegalStateException("this Java runtime cannot make EC P-256 certificates or PKCS#12 stores: " + e,
                e);
    }
}
