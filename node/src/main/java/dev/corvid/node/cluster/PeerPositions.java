package dev.corvid.node.cluster;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.consensus.Candidates;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.wire.WireEtag;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.StatsRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * How up to date each live node is, for a promotion ({@link Candidates}): each node's own Stats
 * answer, asked with a short deadline; a node that does not answer in time is left out. A
 * replica's position is how far it applied the current master's feed (the change counter of its
 * last applied master etag); the master's own, its last etag's. Only nodes that know the same epoch
 * as this one count, so every position is in the same master's etag sequence.
 */
final class PeerPositions implements Candidates, AutoCloseable {

    /** How long a node gets to answer; a fraction of the 1 s lease, since it adds to the failover time. */
    private static final Duration DEADLINE = Duration.ofMillis(250);

    private final ClusterConfig cluster;
    private final Supplier<Long> epoch;
    private final Map<String, ManagedChannel> channels = new LinkedHashMap<>();

    /** @param self the node asking, whose certificate its calls present on a TLS cluster */
    PeerPositions(ClusterConfig cluster, String self, Supplier<Long> epoch) {
        this.cluster = cluster;
        this.epoch = epoch;
        io.grpc.ChannelCredentials credentials = dev.corvid.node.security.Tls.asNode(cluster.tls(), self);
        for (NodeConfig n : cluster.nodes()) {
            channels.put(n.name(), NettyChannelBuilder.forTarget(n.address(), credentials).build());
        }
    }

    @Override
    public Map<String, Long> positions() {
        long current = epoch.get();
        Map<String, Long> positions = new LinkedHashMap<>();
        channels.forEach((name, channel) -> {
            try {
                NodeStats s = DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                        .stats(StatsRequest.getDefaultInstance());
                if (s.getEpoch() == current) {
                    Etag e = WireEtag.etag("master".equals(s.getRole()) ? s.getLastEtag() : s.getLastAppliedMasterEtag());
                    positions.put(name, e == null ? 0 : e.change());
                }
            } catch (RuntimeException e) {
                // down, slow or lagging: not a candidate this time
            }
        });
        return positions;
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
    }
}
