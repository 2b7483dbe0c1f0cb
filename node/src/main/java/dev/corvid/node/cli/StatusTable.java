package dev.corvid.node.cli;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.ReplicaStatus;
import dev.corvid.proto.StatsRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;

/**
 * {@code corvid-admin status}: one line per node, as it reports itself: role, address, documents,
 * last etag, replication lag, and how long it has run and what it served. A replica's lag comes
 * from the master (changes it does not have yet, age of the oldest one); when the master is down
 * the replica's own last applied master etag is all there is. A node that is down, or up but
 * NOT_SERVING (its storage failed), makes the command exit 3.
 */
@Command(name = "status", description = "Prints a table of the nodes as they report themselves.")
final class StatusTable extends Admin.ConfigCommand {

    private static final String FORMAT = "%-5s %-8s %-16s %9s  %-37s %-22s %s%n";

    @Override
    public Integer call() {
        ClusterConfig cluster = cluster();
        Map<String, Optional<NodeStats>> stats = new LinkedHashMap<>();
        cluster.nodes().forEach(n -> stats.put(n.name(), stats(n)));
        Optional<NodeStats> master = stats.get(cluster.master().name());
        PrintStream out = System.out;
        out.printf(FORMAT, "NODE", "ROLE", "ADDRESS", "DOCUMENTS", "LAST ETAG", "REPLICATION LAG", "STATE");
        int down = 0;
        for (NodeConfig node : cluster.nodes()) {
            Optional<NodeStats> s = stats.get(node.name());
            if (s.isEmpty()) {
                down++;
                out.printf(FORMAT, node.name(), node.role().wireName(), node.address(), "-", "-", "-", "DOWN");
                continue;
            }
            NodeStats n = s.get();
            boolean serving = !n.getHealth().equals("NOT_SERVING");
            if (!serving) {
                down++;
            }
            out.printf(FORMAT, node.name(), n.getRole(), node.address(), n.getDocumentCount(),
                    n.getLastEtag().isEmpty() ? "-" : n.getLastEtag(), lag(node, n, master),
                    (serving ? "" : "NOT_SERVING (" + n.getHealthReason() + "), ")
                            + "up " + n.getUptimeMs() / 1000 + " s, " + n.getReadsServed() + " reads, "
                            + n.getWritesServed() + " writes"
                            + (n.getFailoverWritesAccepted() > 0 ? ", " + n.getFailoverWritesAccepted()
                            + " failover writes" : ""));
        }
        return down == 0 ? 0 : 3;
    }

    /** "-" for the master; for a replica, what the master knows of it, else what it knows itself. */
    private static String lag(NodeConfig node, NodeStats self, Optional<NodeStats> master) {
        if (node.role() == NodeConfig.Role.MASTER) {
            return "-";
        }
        Optional<ReplicaStatus> seen = master.flatMap(m -> m.getReplicasList().stream()
                .filter(r -> r.getName().equals(node.name())).findFirst());
        if (seen.isEmpty() || !seen.get().hasChangesBehind()) {
            return master.isEmpty() ? "? (master down)" : "? (not heard from)";
        }
        ReplicaStatus r = seen.get();
        String text = r.getChangesBehind() == 0 ? "0 (caught up)"
                : r.getChangesBehind() + " changes, " + r.getLagMs() + " ms";
        return r.hasConnected() && !r.getConnected() ? text + ", disconnected" : text;
    }

    private static Optional<NodeStats> stats(NodeConfig node) {
        ManagedChannel channel = Admin.channel(node.address());
        try {
            return Optional.of(DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .stats(StatsRequest.getDefaultInstance()));
        } catch (StatusRuntimeException e) {
            return Optional.empty();
        } finally {
            channel.shutdownNow();
        }
    }
}
