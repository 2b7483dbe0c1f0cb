package dev.corvid.client;

import dev.corvid.proto.ClusterTopology;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.ReplicaStatus;
import dev.corvid.proto.TopologyRequest;
import io.grpc.Channel;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Learns the replicas from the master's {@code Topology} call: its replicas in cluster config order. */
final class MasterTopologySource implements TopologySource {

    static final MasterTopologySource INSTANCE = new MasterTopologySource();

    private MasterTopologySource() {
    }

    @Override
    public Optional<List<String>> replicas(String master, Channel channel, long timeoutMillis) {
        ClusterTopology topology = DocumentsGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
                .topology(TopologyRequest.getDefaultInstance());
        return Optional.of(topology.getReplicasList().stream().map(ReplicaStatus::getAddress).toList());
    }
}
