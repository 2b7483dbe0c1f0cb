package dev.corvid.node.security;

import java.io.IOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A CA held in memory, its certificate and its key: makes itself, issues end-entity certificates,
 * and reads and writes itself as PEM. Every key is EC P-256 and every signature SHA256withECDSA,
 * made by the JDK's providers (BouncyCastle only builds the certificates). Serial numbers are
 * random, positive and 128 bits long.
 */
final class CertificateAuthority {

    private static final String SIGNATURE = "SHA256withECDSA";
    private static final String CURVE = "secp256r1"; // NIST P-256
    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate certificate;
    private final PrivateKey key;

    private CertificateAuthority(X509Certificate certificate, PrivateKey key) {
        this.certificate = certificate;
        this.key = key;
    }

    /** A new self-signed CA: basicConstraints CA:true (critical), keyUsage keyCertSign and cRLSign. */
    static CertificateAuthority create(String commonName, Instant notBefore, Instant notAfter)
            throws GeneralSecurityException, IOException, OperatorCreationException {
        KeyPair keys = newKeyPair();
        X500Name name = name(commonName);
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(name, serial(), Date.from(notBefore),
                Date.from(notAfter), name, keys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                .addExtension(Extension.subjectKeyIdentifier, false,
                        new JcaX509ExtensionUtils().createSubjectKeyIdentifier(keys.getPublic()));
        return new CertificateAuthority(sign(builder, keys.getPrivate()), keys.getPrivate());
    }

    /** The CA whose certificate and key are in {@code files}. */
    static CertificateAuthority read(CertificateFiles.PemFiles files) throws IOException {
        return new CertificateAuthority(Pem.readCertificate(files.certificate()), Pem.readPrivateKey(files.key()));
    }

    /** Writes the key, then the certificate (whose presence means the CA is complete). */
    void write(CertificateFiles.PemFiles files) throws IOException, GeneralSecurityException {
        Pem.writePrivateKey(files.key(), key);
        Pem.writeCertificate(files.certificate(), certificate);
    }

    X509Certificate certificate() {
        return certificate;
    }

    /**
     * A certificate for {@code subject}, signed by this CA: CN {@code commonName}, not a CA,
     * keyUsage digitalSignature, extendedKeyUsage {@code purposes}.
     *
     * @param altNames the subjectAltName entries, or null for none
     */
    X509Certificate issue(String commonName, PublicKey subject, Instant notBefore, Instant notAfter,
                          GeneralNames altNames, KeyPurposeId... purposes)
            throws GeneralSecurityException, IOException, OperatorCreationException {
        JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(), Date.from(notBefore),
                Date.from(notAfter), name(commonName), subject)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes))
                .addExtension(Extension.subjectKeyIdentifier, false, extensions.createSubjectKeyIdentifier(subject))
                .addExtension(Extension.authorityKeyIdentifier, false,
                        extensions.createAuthorityKeyIdentifier(certificate.getPublicKey()));
        if (altNames != null) {
            builder.addExtension(Extension.subjectAlternativeName, false, altNames);
        }
        return sign(builder, key);
    }

    static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(CURVE), RANDOM);
        return generator.generateKeyPair();
    }

    private static X500Name name(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    }

    private static BigInteger serial() {
        return new BigInteger(128, RANDOM).setBit(127); // the top bit set: always 128 bits, never zero
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
            throws GeneralSecurityException, OperatorCreationException {
        return new JcaX509CertificateConverter().getCertificate(builder.build(new JcaContentSignerBuilder(SIGNATURE)
                .build(signer)));
    }
}
