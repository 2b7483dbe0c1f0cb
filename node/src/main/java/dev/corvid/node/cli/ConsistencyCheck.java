package dev.corvid.node.cli;

import com.google.protobuf.ByteString;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.wire.WireEtag;
import dev.corvid.proto.DigestRequest;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.ReplicaStatus;
import dev.corvid.proto.StatsRequest;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Checks that every replica holds the master's documents: every id and a hash of every body,
 * tombstones included, etags ignored (each node stamps its own), using the nodes' {@code Digest}
 * listings so no document crosses the wire whole.
 *
 * <p>A replica is compared with the master only at the same point of the master's history: the
 * check waits (up to the catch-up time) until the replica has applied the master's last etag, then
 * takes both listings and compares them if the master's snapshot is at exactly the etag the
 * replica's snapshot has applied. If the master took writes in between, or a record changed while
 * a listing was read, it tries again until the catch-up time is spent. On a quiet cluster the
 * first try settles it; under steady writes the check may report that it could not find a common
 * point, which is not an inconsistency.
 *
 * <p>A replica the master (or the replica itself) reports diverged (it holds changes the master
 * never issued) fails the check at once, named with the reason, whatever its listing holds.
 *
 * <pre>
 * ConsistencyReport report = ConsistencyCheck.run(ClusterConfig.load(path), Duration.ofSeconds(30));
 * System.out.print(report.summary());
 * </pre>
 */
public final class ConsistencyCheck {

    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration CALL_DEADLINE = Duration.ofMinutes(10);

    private final NodeConfig master;
    private final Duration catchUp;

    private ConsistencyCheck(NodeConfig master, Duration catchUp) {
        this.master = master;
        this.catchUp = catchUp;
    }

    /**
     * Checks every replica of {@code config} against its current master (the config's, or with a
     * Raft-decided master the one of the newest epoch a node names), waiting up to {@code catchUp}
     * for them to catch up. The replicas are compared together, with one listing of the master.
     */
    public static ConsistencyReport run(ClusterConfig config, Duration catchUp) throws InterruptedException {
        ClusterConfig cluster = CurrentMaster.view(config);
        ConsistencyCheck check = new ConsistencyCheck(cluster.master(), catchUp);
        ManagedChannel masterChannel = Admin.channel(cluster, cluster.master().address());
        List<Pending> replicas = new ArrayList<>();
        try {
            for (NodeConfig replica : cluster.replicas()) {
                replicas.add(new Pending(replica, Admin.channel(cluster, replica.address())));
            }
            Map<String, ConsistencyReport.Replica> checked = check.checkReplicas(masterChannel, replicas);
            return new ConsistencyReport(cluster.master().name(), cluster.master().address(),
                    cluster.replicas().stream().map(r -> checked.get(r.name())).toList());
        } finally {
            replicas.forEach(p -> p.channel.shutdownNow());
            masterChannel.shutdownNow();
        }
    }

    /** A replica still to be settled: its channel and how many comparisons it took part in. */
    private static final class Pending {
        final NodeConfig node;
        final ManagedChannel channel;
        int attempts;
        /** The last master etag it reported applied. */
        ByteString applied = ByteString.EMPTY;

        Pending(NodeConfig node, ManagedChannel channel) {
            this.node = node;
            this.channel = channel;
        }
    }

    /**
     * Settles every replica: each round takes the master's last etag, waits for the replicas to
     * apply it, and compares those that did with one listing of the master; a replica the master
     * moved on from, or whose comparison met changes, takes part in the next round, until the
     * catch-up time is spent.
     */
    private Map<String, ConsistencyReport.Replica> checkReplicas(ManagedChannel masterChannel, List<Pending> replicas)
            throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + catchUp.toNanos();
        Map<String, ConsistencyReport.Replica> settled = new HashMap<>();
        List<Pending> pending = new ArrayList<>(replicas);
        while (!pending.isEmpty()) {
            Optional<NodeStats> masterStats = stats(masterChannel);
            if (masterStats.isEmpty()) {
                for (Pending p : pending) {
                    settled.put(p.node.name(), ConsistencyReport.Replica.problem(p.node.name(), "master "
                            + master.name() + " at " + master.address() + " does not answer"));
                }
                break;
            }
            ByteString target = masterStats.get().getLastEtag();
            List<Pending> ready = new ArrayList<>();
            for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
                Pending p = it.next();
                Optional<ConsistencyReport.Replica> outcome = awaitTarget(masterChannel, masterStats.get(), p, target,
                        deadline);
                if (outcome.isPresent()) {
                    settled.put(p.node.name(), outcome.get());
                    it.remove();
                } else if (target.equals(p.applied)) {
                    ready.add(p);
                } // else the master moved on while it waited: the next round
            }
            if (!ready.isEmpty()) {
                compare(masterChannel, ready, start, settled);
                pending.removeIf(p -> settled.containsKey(p.node.name()));
            }
            if (!pending.isEmpty() && System.nanoTime() >= deadline) {
                for (Pending p : pending) {
                    settled.put(p.node.name(), ConsistencyReport.Replica.problem(p.node.name(), p.attempts > 0
                            ? "no common point with the master within " + catchUp.toSeconds()
                                    + " s (the master kept taking writes); try again when writes pause"
                            : "did not catch up within " + catchUp.toSeconds() + " s: applied master etag "
                                    + orNone(p.applied) + ", master at " + orNone(target)
                                    + behind(masterStats.get(), p.node.name())));
                }
                break;
            }
        }
        return settled;
    }

    /**
     * Waits (up to the deadline) for {@code p} to apply {@code target}; the replica's outcome when
     * it is settled without a comparison (diverged, or not answering), else empty.
     */
    private Optional<ConsistencyReport.Replica> awaitTarget(ManagedChannel masterChannel, NodeStats masterStats,
                                                            Pending p, ByteString target, long deadline)
            throws InterruptedException {
        String name = p.node.name();
        Optional<String> diverged = diverged(masterStats, name);
        if (diverged.isPresent()) {
            return Optional.of(diverged(p.node, diverged.get()));
        }
        Optional<NodeStats> replicaStats = awaitApplied(masterChannel, p.channel, name, target, deadline);
        if (replicaStats.isEmpty()) {
            return Optional.of(ConsistencyReport.Replica.problem(name, "replica " + name + " at "
                    + p.node.address() + " does not answer"));
        }
        diverged = diverged(replicaStats.get(), name);
        if (diverged.isPresent()) {
            return Optional.of(diverged(p.node, diverged.get()));
        }
        p.applied = replicaStats.get().getLastAppliedMasterEtag();
        return Optional.empty();
    }

    /**
     * One listing of the master, compared with the listing of each of {@code ready} in the same
     * pass; settles those whose listings are at the master's point with nothing changed meanwhile.
     */
    private static void compare(ManagedChannel masterChannel, List<Pending> ready, long start,
                                Map<String, ConsistencyReport.Replica> settled) {
        Context.CancellableContext context = Context.current().withCancellation();
        try {
            context.run(() -> {
                DigestComparison.Listing m;
                try {
                    m = listing(masterChannel);
                } catch (StatusRuntimeException e) {
                    ready.forEach(p -> settled.put(p.node.name(), stoppedAnswering(p, e)));
                    return;
                }
                List<Pending> compared = new ArrayList<>();
                List<DigestComparison.Listing> listings = new ArrayList<>();
                for (Pending p : ready) {
                    p.attempts++;
                    try {
                        DigestComparison.Listing r = listing(p.channel);
                        if (m.snapshot().getLastEtag().equals(r.snapshot().getLastAppliedMasterEtag())) {
                            compared.add(p);
                            listings.add(r);
                        }
                    } catch (StatusRuntimeException e) {
                        settled.put(p.node.name(), stoppedAnswering(p, e));
                    }
                }
                List<DigestComparison.Outcome> outcomes;
                try {
                    outcomes = DigestComparison.compareAll(m, listings);
                } catch (StatusRuntimeException e) {
                    compared.forEach(p -> settled.put(p.node.name(), stoppedAnswering(p, e)));
                    return;
                }
                for (int i = 0; i < compared.size(); i++) {
                    Pending p = compared.get(i);
                    DigestComparison.Outcome outcome = outcomes.get(i);
                    if (outcome.failure() instanceof StatusRuntimeException e) {
                        settled.put(p.node.name(), stoppedAnswering(p, e));
                    } else if (outcome.failure() != null) {
                        throw outcome.failure();
                    } else if (outcome.result().changedDuringScan() == 0) {
                        settled.put(p.node.name(), ConsistencyReport.Replica.compared(p.node.name(), outcome.result(),
                                Duration.ofNanos(System.nanoTime() - start), p.attempts));
                    }
                }
            });
        } finally {
            context.cancel(null); // ends the streams we stopped reading
        }
    }

    private static ConsistencyReport.Replica stoppedAnswering(Pending p, StatusRuntimeException e) {
        return ConsistencyReport.Replica.problem(p.node.name(), "a node stopped answering during the "
                + "comparison: " + e.getStatus().getCode() + " " + e.getStatus().getDescription());
    }

    private static DigestComparison.Listing listing(ManagedChannel channel) {
        return new DigestComparison.Listing(DocumentsGrpc.newBlockingStub(channel)
                .withDeadlineAfter(CALL_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .digest(DigestRequest.getDefaultInstance()));
    }

    private ConsistencyReport.Replica diverged(NodeConfig replica, String why) {
        return ConsistencyReport.Replica.diverged(replica.name(), why);
    }

    /** The reason {@code stats} (of the master, or of the replica itself) gives for {@code replica} having diverged. */
    private static Optional<String> diverged(NodeStats stats, String replica) {
        return stats.getReplicasList().stream().filter(r -> r.getName().equals(replica) && r.hasDiverged()).findFirst()
                .map(ReplicaStatus::getDiverged);
    }

    /**
     * Polls the replica until it has applied {@code target}, the master reports it diverged, or the
     * deadline passes; empty when it does not answer.
     */
    private static Optional<NodeStats> awaitApplied(ManagedChannel masterChannel, ManagedChannel channel, String replica,
                                                    ByteString target, long deadline) throws InterruptedException {
        while (true) {
            Optional<NodeStats> stats = stats(channel);
            if (stats.isEmpty() || stats.get().getLastAppliedMasterEtag().equals(target)
                    || System.nanoTime() >= deadline || diverged(stats.get(), replica).isPresent()
                    || stats(masterChannel).flatMap(m -> diverged(m, replica)).isPresent()) {
                return stats;
            }
            TimeUnit.MILLISECONDS.sleep(POLL.toMillis());
        }
    }

    private static Optional<NodeStats> stats(ManagedChannel channel) {
        try {
            return Optional.of(DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
                    .stats(StatsRequest.getDefaultInstance()));
        } catch (StatusRuntimeException e) {
            return Optional.empty();
        }
    }

    private static String behind(NodeStats master, String replica) {
        return master.getReplicasList().stream().filter(r -> r.getName().equals(replica)).findFirst()
                .map(r -> (r.hasChangesBehind() ? ", " + r.getChangesBehind() + " changes behind" : "")
                        + (r.hasConnected() && !r.getConnected() ? ", not connected to the master" : ""))
                .orElse("");
    }

    /** The text of the etag {@code etag} carries, or "(none)". */
    static String orNone(ByteString etag) {
        return etag.isEmpty() ? "(none)" : WireEtag.text(etag);
    }
}
