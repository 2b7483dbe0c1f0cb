package dev.corvid.node.cli;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.studio.StudioServer;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code corvid-admin studio}: serves Corvid Studio for the cluster until stopped. */
@Command(name = "studio", description = "Serves Corvid Studio, the cluster's web console, until stopped (Ctrl-C).")
final class Studio extends Admin.ConfigCommand {

    @Option(names = "--host", defaultValue = "127.0.0.1",
            description = "Address to listen on (default: ${DEFAULT-VALUE}, this machine only).")
    String host;

    @Option(names = "--port", defaultValue = "8090", description = "Port to listen on; 0 for any (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--as", defaultValue = "admin",
            description = "On a TLS cluster, the client certificate to use: admin, readwrite or read (read-only);"
                    + " default: ${DEFAULT-VALUE}.")
    String identity;

    @Option(names = "--interval-ms", defaultValue = "1000",
            description = "How often to ask every node for its stats, in ms (default: ${DEFAULT-VALUE}).")
    long intervalMs;

    @Override
    public Integer call() throws InterruptedException {
        ClusterConfig cluster = cluster();
        if (!identity.equals("admin") && !identity.equals("readwrite") && !identity.equals("read")) {
            System.err.println("corvid-admin studio: --as must be admin, readwrite or read, was '" + identity + "'");
            return 2;
        }
        if (intervalMs < 100) {
            System.err.println("corvid-admin studio: --interval-ms must be at least 100, was " + intervalMs);
            return 2;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        StudioServer studio = StudioServer.start(cluster, identity, host, port, Duration.ofMillis(intervalMs));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            studio.close();
            stopped.countDown();
        }, "corvid-studio-stop"));
        System.out.println("Corvid Studio for cluster " + cluster.name() + ": " + studio.url());
        stopped.await();
        return 0;
    }
}
