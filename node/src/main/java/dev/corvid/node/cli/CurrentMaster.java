package dev.corvid.node.cli;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.proto.ClusterTopology;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.TopologyRequest;
import io.grpc.ManagedChannel;
import java.util.concurrent.TimeUnit;

/**
 * The cluster as its nodes say it is now: with a Raft-decided master the config's roles are only
 * those of epoch 1, so the tools ask every node's Topology and take the master of the newest epoch
 * any of them names. With a static master, the config's.
 */
final class CurrentMaster {

    private CurrentMaster() {
    }

    /** {@code cluster} with the current master's role; the config itself when no node answers. */
    static ClusterConfig view(ClusterConfig cluster) {
        return current(cluster).view();
    }

    /** The current view and its epoch (0 when no node answered; 1 with a static master). */
    record Current(ClusterConfig view, long epoch) {
    }

    static Current current(ClusterConfig cluster) {
        if (!cluster.failover().usesConsensus()) {
            return new Current(cluster, 1);
        }
        long best = 0;
        String master = null;
        for (NodeConfig n : cluster.nodes()) {
            ManagedChannel channel = Admin.channel(cluster, n.address());
            try {
                ClusterTopology t = DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
                        .topology(TopologyRequest.getDefaultInstance());
                if (t.getEpoch() > best && cluster.find(t.getMaster().getName()).isPresent()) {
                    best = t.getEpoch();
                    master = t.getMaster().getName();
                }
            } catch (RuntimeException e) {
                // down: the others say
            } finally {
                channel.shutdownNow();
            }
        }
        return master == null ? new Current(cluster, 0) : new Current(cluster.withMaster(master), best);
    }
}
