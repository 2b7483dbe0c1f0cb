package dev.corvid.node.cli;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.ConfigException;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.StatsRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The scripts' helper: reads a cluster config and asks running nodes how they are.
 * {@code corvid-admin nodes|wait-healthy|status --config cluster-config/local-3node.json}.
 */
@Command(name = "corvid-admin", mixinStandardHelpOptions = true,
        description = "Inspects a Corvid cluster described by a cluster config.",
        subcommands = {Admin.Nodes.class, Admin.WaitHealthy.class, Admin.Status.class})
public final class Admin {

    public static void main(String[] args) {
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

        @CommandLine.Parameters(arity = "0..*", description = "Node names (default: all).")
        List<String> only = new ArrayList<>();

        @Override
        public Integer call() throws InterruptedException {
            ClusterConfig cluster = cluster();
            List<NodeConfig> nodes = only.isEmpty() ? cluster.nodes() : only.stream().map(cluster::node).toList();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeout);
            for (NodeConfig node : nodes) {
                ManagedChannel channel = channel(node.address());
                try {
                    while (!healthy(channel)) {
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

        private static boolean healthy(ManagedChannel channel) {
            try {
                return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.SECONDS)
                        .check(HealthCheckRequest.getDefaultInstance()).getStatus()
                        == HealthCheckResponse.ServingStatus.SERVING;
            } catch (StatusRuntimeException e) {
                return false;
            }
        }
    }

    @Command(name = "status", description = "Prints a table of the nodes as they report themselves.")
    static final class Status extends ConfigCommand {
        @Override
        public Integer call() {
            ClusterConfig cluster = cluster();
            PrintStream out = System.out;
            String format = "%-6s %-8s %-18s %-10s %-38s %s%n";
            out.printf(format, "NODE", "ROLE", "ADDRESS", "DOCUMENTS", "LAST ETAG", "STATE");
            int down = 0;
            for (NodeConfig node : cluster.nodes()) {
                ManagedChannel channel = channel(node.address());
                try {
                    NodeStats stats = DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
                            .stats(StatsRequest.getDefaultInstance());
                    out.printf(format, node.name(), stats.getRole(), node.address(), stats.getDocumentCount(),
                            stats.getLastEtag().isEmpty() ? "-" : stats.getLastEtag(),
                            "up " + stats.getUptimeMs() / 1000 + " s, " + stats.getReadsServed() + " reads, "
                                    + stats.getWritesServed() + " writes");
                } catch (StatusRuntimeException e) {
                    down++;
                    out.printf(format, node.name(), node.role().wireName(), node.address(), "-", "-",
                            "DOWN (" + e.getStatus().getCode() + ")");
                } finally {
                    channel.shutdownNow();
                }
            }
            return down == 0 ? 0 : 3;
        }
    }

    static ManagedChannel channel(String address) {
        return NettyChannelBuilder.forTarget(address).usePlaintext().build();
    }
}
