package dev.corvid.node.cli;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.security.CertificateFiles;
import dev.corvid.node.security.LocalCertificates;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code corvid-admin certs}: a local CA and, signed by it, the certificates of every node of the
 * config and of the clients admin, readwrite and read, written by {@link LocalCertificates}. Does
 * nothing (exit 0) when the directory already holds {@code ca.pem}, unless {@code --force}.
 */
@Command(name = "certs", description = {
        "Creates a local CA and the certificates a TLS cluster needs: per node (serverAuth and clientAuth, the"
                + " node's host, localhost and 127.0.0.1 as names) and per client (admin, readwrite, read), as PEM"
                + " files, PKCS#12 key stores for the clients and a trust store holding the CA.",
        "For local test clusters: the keys are not encrypted and every .p12 has the password \""
                + LocalCertificates.STORE_PASSWORD + "\"."})
final class Certs extends Admin.ConfigCommand {

    @Option(names = "--out", paramLabel = "DIR", description = "Where to write (default: the config's"
            + " \"tls\": {\"certificates\"} folder, else run/<config name>-certs beside the config's folder, e.g."
            + " run/local-3node-certs for cluster-config/local-3node.json).")
    Path out;

    @Option(names = "--if-tls", description = "Only for a config with \"tls\" (start-cluster.sh uses it): otherwise"
            + " do nothing.")
    boolean ifTls;

    @Option(names = "--days", paramLabel = "N", defaultValue = "825",
            description = "Days the certificates are valid, counted from an hour ago for clocks behind"
                    + " (default: ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--force", description = "Create everything anew, although DIR already holds certificates.")
    boolean force;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (days < 1) {
            throw new ParameterException(spec.commandLine(), "--days must be at least 1, is " + days);
        }
        ClusterConfig cluster = cluster();
        if (ifTls && !cluster.tls().enabled()) {
            return 0;
        }
        Path directory = (out != null ? out : cluster.tls().enabled() ? cluster.tls().certificates()
                : defaultDirectory(config)).toAbsolutePath().normalize();
        PrintStream stdout = System.out;
        if (CertificateFiles.of(cluster, directory).exist() && !force) {
            stdout.println("certificates exist in " + directory + " (ca.pem); --force creates them anew");
            return 0;
        }
        CertificateFiles files = LocalCertificates.create(cluster, directory, Duration.ofDays(days));
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put(names(directory, files.ca().certificate(), files.ca().key()),
                "the CA, CN=Corvid CA " + cluster.name());
        files.nodes().forEach((name, pem) -> rows.put(names(directory, pem.certificate(), pem.key()),
                "node " + name + ", host " + cluster.node(name).advertise()));
        files.clients().forEach((name, client) -> rows.put(
                names(directory, client.certificate(), client.key(), client.keyStore()), "client " + name));
        rows.put(names(directory, files.trustStore()), "the CA certificate, alias " + LocalCertificates.CA_ALIAS);
        int width = rows.keySet().stream().mapToInt(String::length).max().orElse(0);
        stdout.println("wrote the certificates of cluster " + cluster.name() + ", valid for " + days + " days, to "
                + directory + ":");
        rows.forEach((names, what) -> stdout.printf("  %-" + width + "s  %s%n", names, what));
        stdout.println("For local test clusters: the keys are not encrypted and the .p12 password is \""
                + LocalCertificates.STORE_PASSWORD + "\".");
        return 0;
    }

    private static String names(Path directory, Path... files) {
        return Arrays.stream(files).map(f -> directory.relativize(f).toString()).collect(Collectors.joining(", "));
    }

    /** {@code <folder of the config>/../run/<config file name without .json>-certs}. */
    static Path defaultDirectory(Path config) {
        Path folder = config.toAbsolutePath().getParent();
        String name = config.getFileName().toString().replaceFirst("\\.json$", "");
        return folder.resolve("..").resolve("run").resolve(name + "-certs").normalize();
    }
}
