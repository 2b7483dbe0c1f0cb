package dev.corvid.node.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

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
 * call but the health check needs a client certificate signed by the CA, whose common name has a
 * role: {@code "roles": {"<common name>": "read" | "readwrite" | "admin"}} (default: the three
 * clients the tool makes, each with its namesake role). Every node of the config has the role
 * {@code node}, whatever {@code roles} says. {@code "deniedSerials": ["3f2a…", …]} revokes
 * certificates by serial number (hexadecimal, as {@code openssl x509 -serial} prints it; case and
 * colons do not matter): they are refused although the CA signed them.
 *
 * @param certificates  the folder; null for none (plaintext, allowed on loopback only)
 * @param roles         each client certificate common name's role
 * @param deniedSerials the serial numbers of revoked certificates, as lower-case hexadecimal without
 *                      leading zeros
 */
public record TlsSettings(Path certificates, Map<String, String> roles, Set<String> deniedSerials) {

    /** The roles a client certificate may have in {@code roles}. */
    public static final Set<String> ROLE_NAMES = Set.of("read", "readwrite", "admin");
    /** The roles when the config names none: the clients {@code corvid-admin certs} makes. */
    public static final Map<String, String> DEFAULT_ROLES = Map.of("admin", "admin", "readwrite", "readwrite", "read", "read");

    /** No TLS: plaintext. */
    public static final TlsSettings NONE = new TlsSettings(null);

    public TlsSettings {
        deniedSerials = deniedSerials == null ? Set.of() : deniedSerials.stream().map(TlsSettings::serial)
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        roles = Map.copyOf(roles == null ? DEFAULT_ROLES : roles);
        roles.forEach((name, role) -> Require.that(ROLE_NAMES.contains(role), "tls.roles: '" + name + "' has role '" + role
                + "'; use read, readwrite or admin"));
    }

    /** The folder with the default roles. */
    public TlsSettings(Path certificates) {
        this(certificates, DEFAULT_ROLES, Set.of());
    }

    /**
     * A serial number as {@link #deniedSerials} keeps it: lower-case hexadecimal, no colons, no
     * leading zeros.
     *
     * @throws ConfigException when it is not hexadecimal
     */
    public static String serial(String hex) {
        String digits = hex == null ? "" : hex.replace(":", "").trim();
        try {
            return new java.math.BigInteger(digits, 16).toString(16);
        } catch (NumberFormatException e) {
            throw new ConfigException("tls.deniedSerials: '" + hex + "' is not a hexadecimal serial number");
        }
    }

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
