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
import java.util.List;
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
     * Raft-decided master the one of the newest epoch a node names), waiting up to {@code catchUp} for each.
     */
    public static ConsistencyReport run(ClusterConfig config, Duration catchUp) throws InterruptedException {
        ClusterConfig cluster = CurrentMaster.view(config);
        ConsistencyCheck check = new ConsistencyCheck(cluster.master(), catchUp);
        ManagedChannel masterChannel = Admin.channel(cluster, cluster.master().address());
        try {
            List<ConsistencyReport.Replica> replicas = new ArrayList<>();
            for (NodeConfig replica : cluster.replicas()) {
                ManagedChannel channel = Admin.channel(cluster, replica.address());
                try {
                    replicas.add(check.checkReplica(masterChannel, replica, channel));
                } finally {
                    channel.shutdownNow();
                }
            }
            return new ConsistencyReport(cluster.master().name(), cluster.master().address(), replicas);
        } finally {
            masterChannel.shutdownNow();
        }
    }

    private ConsistencyReport.Replica checkReplica(ManagedChannel masterChannel, NodeConfig replica,
                                                   ManagedChannel replicaChannel) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + catchUp.toNanos();
        int attempts = 0;
        while (true) {
            attempts++;
            Optional<NodeStats> masterStats = stats(masterChannel);
            if (masterStats.isEmpty()) {
                return ConsistencyReport.Replica.problem(replica.name(), "master " + master.name() + " at "
                        + master.address() + " does not answer");
            }
            Optional<String> diverged = diverged(masterStats.get(), replica.name());
            if (diverged.isPresent()) {
                return diverged(replica, diverged.get());
            }
            ByteString target = masterStats.get().getLastEtag();
            Optional<NodeStats> replicaStats = awaitApplied(masterChannel, replicaChannel, replica.name(), target, deadline);
            if (replicaStats.isEmpty()) {
                return ConsistencyReport.Replica.problem(replica.name(), "replica " + replica.name() + " at "
                        + replica.address() + " does not answer");
            }
            diverged = diverged(replicaStats.get(), replica.name());
            if (diverged.isPresent()) {
                return diverged(replica, diverged.get());
            }
            ByteString applied = replicaStats.get().getLastAppliedMasterEtag();
            if (!applied.equals(target)) {
                if (System.nanoTime() < deadline) {
                    continue; // the master moved on while we waited
                }
                return ConsistencyReport.Replica.problem(replica.name(), "did not catch up within "
                        + catchUp.toSeconds() + " s: applied master etag " + orNone(applied) + ", master at "
                        + orNone(target) + behind(masterStats.get(), replica.name()));
            }
            Optional<DigestComparison.Result> result;
            try {
                result = compare(masterChannel, replicaChannel);
            } catch (StatusRuntimeException e) {
                return ConsistencyReport.Replica.problem(replica.name(), "a node stopped answering during the "
                        + "comparison: " + e.getStatus().getCode() + " " + e.getStatus().getDescription());
            }
            if (result.isPresent()) {
                return ConsistencyReport.Replica.compared(replica.name(), result.get(),
                        Duration.ofNanos(System.nanoTime() - start), attempts);
            }
            if (System.nanoTime() >= deadline) {
                return ConsistencyReport.Replica.problem(replica.name(), "no common point with the master within "
                        + catchUp.toSeconds() + " s (the master kept taking writes); try again when writes pause");
            }
        }
    }

    /**
     * Both listings, compared when they are at the same master etag and nothing changed while
     * they were read; empty when not (try again).
     */
    private static Optional<DigestComparison.Result> compare(ManagedChannel masterChannel, ManagedChannel replicaChannel) {
        Context.CancellableContext context = Context.current().withCancellation();
        try {
            return context.call(() -> {
                DigestComparison.Listing m = listing(masterChannel);
                DigestComparison.Listing r = listing(replicaChannel);
                if (!m.snapshot().getLastEtag().equals(r.snapshot().getLastAppliedMasterEtag())) {
                    return Optional.<DigestComparison.Result>empty();
                }
                DigestComparison.Result result = DigestComparison.compare(m, r);
                return result.changedDuringScan() == 0 ? Optional.of(result) : Optional.<DigestComparison.Result>empty();
            });
        } catch (StatusRuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("comparing digests failed: " + e, e);
        } finally {
            context.cancel(null); // ends a stream we stopped reading
        }
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
