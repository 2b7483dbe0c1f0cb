package dev.corvid.node.cli;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.wire.WireEtag;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.ReplicaStatus;
import dev.corvid.proto.StatsRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
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
 * the replica's own last applied master etag is all there is. A replica the master (or the
 * replica itself) reports diverged shows {@code DIVERGED} instead of a lag, never "caught up", and
 * the reason follows the table; a node that is up but NOT_SERVING (its storage failed) shows why. A
 * node that does not answer is DOWN when nothing takes its connections, NOT RESPONDING when its port
 * takes them but no answer comes (a paused or stuck process), and a replica then still shows the
 * lag its master knows.
 * Exit code 0 when every node answered, serves and none diverged, 3 when a node is down or not
 * serving, 4 when a replica diverged (and none is down).
 */
@Command(name = "status", description = "Prints a table of the nodes as they report themselves.")
final class StatusTable extends Admin.ConfigCommand {

    private static final int STATS_DEADLINE_SECONDS = 2;
    private static final String FORMAT = "%-5s %-8s %-16s %9s  %-37s %-22s %s%n";

    @Override
    public Integer call() {
        CurrentMaster.Current current = CurrentMaster.current(cluster());
        ClusterConfig cluster = current.view();
        Map<String, Optional<NodeStats>> stats = new LinkedHashMap<>();
        Map<String, Status.Code> failures = new LinkedHashMap<>();
        for (NodeConfig n : cluster.nodes()) {
            try {
                stats.put(n.name(), Optional.of(stats(cluster, n)));
            } catch (StatusRuntimeException e) {
                stats.put(n.name(), Optional.empty());
                failures.put(n.name(), e.getStatus().getCode());
            }
        }
        Optional<NodeStats> master = stats.get(cluster.master().name());
        PrintStream out = System.out;
        if (cluster.failover().usesConsensus()) {
            out.printf("cluster %s: epoch %s, master %s (failover %s)%n", cluster.name(),
                    current.epoch() == 0 ? "unknown" : Long.toString(current.epoch()), cluster.master().name(),
                    cluster.failover().configName());
        }
        out.printf(FORMAT, "NODE", "ROLE", "ADDRESS", "DOCUMENTS", "LAST ETAG", "REPLICATION LAG", "STATE");
        int down = 0;
        Map<String, String> diverged = new LinkedHashMap<>();
        for (NodeConfig node : cluster.nodes()) {
            Optional<NodeStats> s = stats.get(node.name());
            if (s.isEmpty()) {
                down++;
                // Refused: nothing listens. Timed out: the port takes connections but the node does
                // not answer (paused, overloaded, stuck), while the master may still know its lag.
                boolean silent = failures.get(node.name()) == Status.Code.DEADLINE_EXCEEDED;
                out.printf(FORMAT, node.name(), node.role().wireName(), node.address(), "-", "-",
                        node.role() == NodeConfig.Role.MASTER ? "-" : knownLag(node, master).orElse("-"),
                        silent ? "NOT RESPONDING (no answer within " + STATS_DEADLINE_SECONDS + " s)"
                                : failures.get(node.name()) == Status.Code.UNAVAILABLE ? "DOWN"
                                : "DOWN (" + failures.get(node.name()) + ")");
                continue;
            }
            NodeStats n = s.get();
            boolean serving = !n.getHealth().equals("NOT_SERVING");
            if (!serving) {
                down++;
            }
            divergence(node, n, master).ifPresent(why -> diverged.put(node.name(), why));
            out.printf(FORMAT, node.name(), n.getRole(), node.address(), n.getDocumentCount(),
                    n.getLastEtag().isEmpty() ? "-" : WireEtag.text(n.getLastEtag()),
                    diverged.containsKey(node.name()) ? "DIVERGED (see below)" : lag(node, n, master),
                    (serving ? "" : "NOT_SERVING (" + n.getHealthReason() + "), ")
                            + "up " + n.getUptimeMs() / 1000 + " s, " + n.getReadsServed() + " reads, "
                            + n.getWritesServed() + " writes"
                            + (n.getFailoverWritesAccepted() > 0 ? ", " + n.getFailoverWritesAccepted()
                            + " failover writes" : ""));
        }
        diverged.forEach((name, why) -> out.printf("%nreplica %s DIVERGED: %s%n", name, why));
        return down > 0 ? 3 : diverged.isEmpty() ? 0 : 4;
    }

    /** Why a replica diverged, as the master reports it, else as the replica reports itself. */
    private static Optional<String> divergence(NodeConfig node, NodeStats self, Optional<NodeStats> master) {
        if (node.role() == NodeConfig.Role.MASTER) {
            return Optional.empty();
        }
        Optional<String> seen = master.flatMap(m -> m.getReplicasList().stream()
                .filter(r -> r.getName().equals(node.name()) && r.hasDiverged()).findFirst()).map(ReplicaStatus::getDiverged);
        return seen.isPresent() ? seen : self.getReplicasList().stream()
                .filter(r -> r.getName().equals(node.name()) && r.hasDiverged()).findFirst().map(ReplicaStatus::getDiverged);
    }

    /** "-" for the master; for a replica, what the master knows of it, else what it knows itself. */
    private static String lag(NodeConfig node, NodeStats self, Optional<NodeStats> master) {
        if (node.role() == NodeConfig.Role.MASTER) {
            return "-";
        }
        return knownLag(node, master).orElse(master.isEmpty() ? "? (master down)" : "? (not heard from)");
    }

    /** The replica's lag as the master knows it (also while the replica does not answer), if it does. */
    private static Optional<String> knownLag(NodeConfig node, Optional<NodeStats> master) {
        Optional<ReplicaStatus> seen = master.flatMap(m -> m.getReplicasList().stream()
                .filter(r -> r.getName().equals(node.name())).findFirst());
        if (seen.isEmpty() || !seen.get().hasChangesBehind()) {
            return Optional.empty();
        }
        ReplicaStatus r = seen.get();
        String text = r.getChangesBehind() == 0 ? "0 (caught up)"
                : r.getChangesBehind() + " changes, " + r.getLagMs() + " ms";
        return Optional.of(r.hasConnected() && !r.getConnected() ? text + ", disconnected" : text);
    }

    /** @throws StatusRuntimeException when the node does not answer within {@value #STATS_DEADLINE_SECONDS} s */
    private static NodeStats stats(ClusterConfig cluster, NodeConfig node) {
        ManagedChannel channel = Admin.channel(cluster, node.address());
        try {
            return DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(STATS_DEADLINE_SECONDS, TimeUnit.SECONDS)
                    .stats(StatsRequest.getDefaultInstance());
        } finally {
            channel.shutdownNow();
        }
    }
}
