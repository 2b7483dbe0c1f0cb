package dev.corvid.node.security;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Set;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * PEM files of one certificate or one unencrypted PKCS#8 EC private key, the form
 * {@code GrpcSslContexts.forServer(certFile, keyFile)} and OpenSSL read. Files holding a private key
 * are made readable by their owner only (600) where the file system has POSIX permissions.
 */
final class Pem {

    private static final String CERTIFICATE = "CERTIFICATE";
    private static final String PRIVATE_KEY = "PRIVATE KEY";
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private Pem() {
    }

    static void writeCertificate(Path file, X509Certificate certificate) throws IOException, GeneralSecurityException {
        write(file, pem(CERTIFICATE, certificate.getEncoded()), false);
    }

    static void writePrivateKey(Path file, PrivateKey key) throws IOException {
        write(file, pem(PRIVATE_KEY, key.getEncoded()), true); // the JDK encodes private keys as PKCS#8
    }

    static X509Certificate readCertificate(Path file) throws IOException {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(read(file, CERTIFICATE)));
        } catch (CertificateException e) {
            throw new IOException(file + " does not hold a valid X.509 certificate: " + e.getMessage(), e);
        }
    }

    static PrivateKey readPrivateKey(Path file) throws IOException {
        try {
            return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(read(file, PRIVATE_KEY)));
        } catch (GeneralSecurityException e) {
            throw new IOException(file + " does not hold a PKCS#8 EC private key: " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code bytes} to {@code file}, creating its folder. With {@code ownerOnly} the file is
     * created anew with permissions 600, so that an older file's permissions do not carry over.
     */
    static void write(Path file, byte[] bytes, boolean ownerOnly) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        if (ownerOnly) {
            Files.deleteIfExists(file);
            if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createFile(file, OWNER_ONLY);
            }
        }
        Files.write(file, bytes);
    }

    private static byte[] pem(String type, byte[] der) throws IOException {
        StringWriter text = new StringWriter();
        try (PemWriter writer = new PemWriter(text)) {
            writer.writeObject(new PemObject(type, der));
        }
        return text.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] read(Path file, String type) throws IOException {
        try (Reader text = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PemReader reader = new PemReader(text)) {
            PemObject object = reader.readPemObject();
            if (object == null || !object.getType().equals(type)) {
                throw new IOException(file + " does not start with a PEM \"" + type + "\" block");
            }
            return object.getContent();
        }
    }
}
