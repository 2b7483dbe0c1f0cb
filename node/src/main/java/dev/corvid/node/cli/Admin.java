package dev.corvid.node.cli;

import dev.corvid.node.NodeLogging;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.ConfigException;
import dev.corvid.node.config.NodeConfig;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The scripts' helper: reads a cluster config and asks running nodes how they are.
 * {@code corvid-admin nodes|wait-healthy|status|check-consistency|repair-log|promote|certs|tls-folder|studio --config cluster-config/local-3node.json}.
 */
@Command(name = "corvid-admin", mixinStandardHelpOptions = true,
        description = "Inspects a Corvid cluster described by a cluster config.",
        subcommands = {Admin.Nodes.class, Admin.TlsFolder.class, Admin.WaitHealthy.class, StatusTable.class, CheckConsistency.class,
                RepairLog.class, Promote.class, Certs.class, Studio.class})
public final class Admin {

    public static void main(String[] args) {
        NodeLogging.useProgramConfiguration();
        CommandLine cli = new CommandLine(new Admin());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("corvid-admin: " + e.getMessage());
            return e instanceof ConfigException ? 2 : 1;
        });
        System.exit(cli.execute(args));
    }

    abstract static class ConfigCommand implements Callable<Integer> {
        @Option(names = {"-c", "--config"}, defaultValue = "cluster-config/local-3node.json",
                description = "Cluster config JSON (default: ${DEFAULT-VALUE}).")
        Path config;

        ClusterConfig cluster() {
            return ClusterConfig.load(config);
        }
    }

    /** The certificates folder of a config with {@code "tls"}; nothing for a plaintext one (for the scripts). */
    @Command(name = "tls-folder", description = "Prints the config's \"tls\" certificates folder; nothing without \"tls\".")
    static final class TlsFolder extends ConfigCommand {
        @Override
        public Integer call() {
            ClusterConfig cluster = cluster();
            if (cluster.tls().enabled()) {
                System.out.println(cluster.tls().certificates());
            }
            return 0;
        }
    }

    /** One line per node: name, address, role, data directory (tab-separated). */
    @Command(name = "nodes", description = "Lists the nodes of the config: name, address, role, data directory.")
    static final class Nodes extends ConfigCommand {
        @Override
        public Integer call() {
            ClusterConfig cluster = cluster();
            for (NodeConfig n : cluster.nodes()) {
                System.out.println(n.name() + "\t" + n.address() + "\t" + n.role().wireName() + "\t" + n.dataDirectory());
            }
            return 0;
        }
    }

    @Command(name = "wait-healthy", description = "Waits until every node (or the named ones) reports SERVING.")
    static final class WaitHealthy extends ConfigCommand {
        @Option(names = "--timeout", defaultValue = "60", description = "Seconds to wait (default: ${DEFAULT-VALUE}).")
        int timeout;

        @Option(names = "--run-dir", paramLabel = "DIR",
                description = "Where the scripts keep each node's <name>.pid and <name>.log: a node whose process"
                        + " has exited fails the wait at once, with the end of its log.")
        Path runDir;

        @CommandLine.Parameters(arity = "0..*", description = "Node names (default: all).")
        List<String> only = new ArrayList<>();

        @Override
        public Integer call() throws InterruptedException {
            ClusterConfig cluster = cluster();
            List<NodeConfig> nodes = only.isEmpty() ? cluster.nodes() : only.stream().map(cluster::node).toList();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeout);
            for (NodeConfig node : nodes) {
                ManagedChannel channel = channel(cluster, node.address());
                try {
                    while (!healthy(channel)) {
                        Optional<String> exited = exited(node.name());
                        if (exited.isPresent()) {
                            System.err.println(exited.get());
                            return 1;
                        }
                        if (System.nanoTime() > deadline) {
                            System.err.println("node " + node.name() + " at " + node.address()
                                    + " is not healthy after " + timeout + " s");
                            return 1;
                        }
                        TimeUnit.MILLISECONDS.sleep(100);
                    }
                } finally {
                    channel.shutdownNow();
                }
            }
            return 0;
        }

        /** Why the wait for {@code node} is over: its process, as the run directory names it, has exited. */
        private Optional<String> exited(String node) {
            if (runDir == null) {
                return Optional.empty();
            }
            Path pidFile = runDir.resolve(node + ".pid");
            try {
                long pid = Long.parseLong(Files.readString(pidFile).trim());
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    return Optional.empty();
                }
                Path log = runDir.resolve(node + ".log");
                List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
                return Optional.of("node " + node + " (pid " + pid + ") exited before it was healthy; the end of " + log
                        + ":\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 20), lines.size())));
            } catch (IOException | NumberFormatException e) {
                return Optional.empty(); // no pid file (a node started by other means): wait on its health only
            }
        }

        /**
         * One health check. A node that is still starting refuses the connection, and a channel
         * then waits out its reconnect backoff (a second and more) before it tries again: the wait
         * is reset each time, so the check sees the node within one poll of it serving.
         */
        private static boolean healthy(ManagedChannel channel) {
            channel.resetConnectBackoff();
            try {
                return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.SECONDS)
                        .check(HealthCheckRequest.getDefaultInstance()).getStatus()
                        == HealthCheckResponse.ServingStatus.SERVING;
            } catch (StatusRuntimeException e) {
                return false;
            }
        }
    }

    /** A channel to a node of {@code cluster}; on a TLS cluster the tools act as its {@code admin} client. */
    static ManagedChannel channel(ClusterConfig cluster, String address) {
        return NettyChannelBuilder.forTarget(address, dev.corvid.node.security.Tls.asClient(cluster.tls(), "admin")).build();
    }
}
