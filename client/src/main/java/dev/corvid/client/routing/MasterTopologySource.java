package dev.corvid.client.routing;

import dev.corvid.client.transport.NodeTransport;
import dev.corvid.proto.ClusterTopology;
import dev.corvid.proto.ReplicaStatus;
import io.grpc.Deadline;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Learns the replicas from the master's {@code Topology} call: its replicas in cluster config
 * order. The same answer gives the transport the cluster's wire limits.
 */
public final class MasterTopologySource implements TopologySource {

    public static final MasterTopologySource INSTANCE = new MasterTopologySource();

    private MasterTopologySource() {
    }

    @Override
    public Optional<List<String>> replicas(String master, NodeTransport node, long timeoutMillis) {
        ClusterTopology topology = node.topology(Deadline.after(timeoutMillis, TimeUnit.MILLISECONDS));
        return Optional.of(topology.getReplicasList().stream().map(ReplicaStatus::getAddress).toList());
    }
}
