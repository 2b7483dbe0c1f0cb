package dev.corvid.node.replication;

import dev.corvid.node.cluster.ConsensusMastership;
import dev.corvid.node.cluster.Mastership;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.consensus.ClusterEpoch;
import dev.corvid.node.consensus.PromotionResult;
import dev.corvid.node.storage.BadRequestException;
import dev.corvid.proto.ClusterGrpc;
import dev.corvid.proto.PromoteRequest;
import dev.corvid.proto.PromoteResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a node master ({@code Cluster.Promote}): planned, through the current master, or forced,
 * through the Raft group alone. See the proto for the contract.
 */
public final class Promotion {

    private static final Logger log = LoggerFactory.getLogger(Promotion.class);

    /** How long the master waits for the node to catch up before it gives up its lease. */
    static final Duration CATCH_UP = Duration.ofSeconds(10);
    /** How long it then waits for the node to apply the last changes, with writes paused. */
    static final Duration FINAL_CATCH_UP = Duration.ofSeconds(2);
    /** How long a node passing the call on waits for the master's answer. */
    static final Duration FORWARD_DEADLINE = Duration.ofSeconds(20);

    private final ClusterConfig cluster;
    private final Mastership mastership;
    private final ReplicationStatus replication;

    public Promotion(ClusterConfig cluster, Mastership mastership, ReplicationStatus replication) {
        this.cluster = cluster;
        this.mastership = mastership;
        this.replication = replication;
    }

    /**
     * @throws PromotionRefusedException with a static master, or when the master does not answer and
     *                                   the call is not forced
     * @throws BadRequestException   for a node the config does not have
     */
    public PromoteResponse promote(PromoteRequest request) {
        if (!(mastership instanceof ConsensusMastership raft)) {
            throw new PromotionRefusedException("cluster '" + cluster.name() + "' has a static master (\"failover\": \"static\");"
                    + " to promote nodes, set \"failover\": \"manual\" (or \"automatic\") and a \"consensusPort\" per node", null);
        }
        String node = request.getNode();
        if (cluster.find(node).isEmpty()) {
            throw new BadRequestException("cluster '" + cluster.name() + "' has no node '" + node + "'");
        }
        if (request.getForce()) {
            return answer(raft.promote(node, request.getEvenIfBehind()));
        }
        if (mastership.master().name().equals(node)) {
            return response(false, "'" + node + "' is master already");
        }
        if (mastership.isMaster()) {
            return handOver(raft, node);
        }
        NodeConfig master = mastership.master();
        ManagedChannel channel = NettyChannelBuilder.forTarget(master.address(),
                dev.corvid.node.security.Tls.asNode(cluster.tls(), mastership.self())).build();
        try {
            return ClusterGrpc.newBlockingStub(channel).withDeadlineAfter(FORWARD_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                    .promote(request);
        } catch (StatusRuntimeException e) {
            throw new PromotionRefusedException("the master '" + master.name() + "' at " + master.address() + " did not take the"
                    + " planned promotion (" + e.getStatus() + "); if it is down for good, promote with --force (needs a"
                    + " majority, and refuses a node that is behind another live one)", e);
        } finally {
            channel.shutdownNow();
        }
    }

    /** On the master: catch the node up, stop acknowledging, let it apply the rest, promote it. */
    private PromoteResponse handOver(ConsensusMastership raft, String node) {
        long epoch = mastership.epoch();
        long started = System.nanoTime();
        boolean caughtUp = awaitBehindAtMost(node, 16, CATCH_UP);
        if (!caughtUp) {
            return response(false, "'" + node + "' did not catch up with master '" + mastership.self() + "' within "
                    + CATCH_UP.toSeconds() + " s (is it running?); nothing changed");
        }
        long paused = System.nanoTime();
        raft.release(); // from here this master acknowledges nothing
        boolean all = awaitBehindAtMost(node, 0, FINAL_CATCH_UP);
        PromotionResult result = raft.compareAndPromote(node, epoch);
        log.info("planned promotion of {}: {} ({} ms, writes paused {} ms{})", node, result.state(),
                (System.nanoTime() - started) / 1_000_000, (System.nanoTime() - paused) / 1_000_000,
                all ? "" : "; it had not applied every change: the rest is handed back when this node joins it");
        return answer(result);
    }

    private boolean awaitBehindAtMost(String node, long changes, Duration within) {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            OptionalLong behind = replication.progress(node).map(ReplicaProgress::changesBehind).orElse(OptionalLong.empty());
            if (behind.isPresent() && behind.getAsLong() <= changes) {
                return true;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        return false;
    }

    private static PromoteResponse answer(PromotionResult r) {
        ClusterEpoch e = r.state();
        return PromoteResponse.newBuilder().setPromoted(r.promoted()).setEpoch(e.epoch()).setMaster(e.master())
                .setReason(r.reason() == null ? "" : r.reason()).build();
    }

    private PromoteResponse response(boolean promoted, String reason) {
        return PromoteResponse.newBuilder().setPromoted(promoted).setEpoch(mastership.epoch())
                .setMaster(mastership.master().name()).setReason(reason).build();
    }
}
