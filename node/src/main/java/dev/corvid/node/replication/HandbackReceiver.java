package dev.corvid.node.replication;

import dev.corvid.node.cluster.Mastership;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.storage.HandbackOutcome;
import dev.corvid.node.storage.HandedBack;
import dev.corvid.node.storage.Storage;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's side of a replica's hand-back of failover writes ({@link FailoverHandback}): checks
 * who sends it, then lets storage decide each version against the master's own
 * ({@link Storage#handBackAsync}) under the cluster's conflict policy.
 */
public final class HandbackReceiver {

    private static final Logger log = LoggerFactory.getLogger(HandbackReceiver.class);

    private final Storage storage;
    private final ClusterConfig cluster;
    private final NodeConfig self;
    private final Mastership mastership;

    public HandbackReceiver(Storage storage, ClusterConfig cluster, NodeConfig self, Mastership mastership) {
        this.storage = storage;
        this.mastership = mastership;
        this.cluster = cluster;
        this.self = self;
    }

    /**
     * Decides a hand-back; completes, once durable, with one outcome per version.
     *
     * @param clusterName the cluster the sender says it is in
     * @param replica     the sender's node name
     * @param signed      the bytes the proof signs (the serialized versions)
     * @param proof       HMAC of {@code signed} with the cluster's secret; ignored without a secret
     * @throws NotMasterException          when this node is not the master
     * @throws ReplicationRefusedException when the sender is not a replica of this cluster's config,
     *                                     or the proof is wrong or missing in a cluster with a secret
     */
    public CompletableFuture<List<HandbackOutcome>> receive(String clusterName, String replica, List<HandedBack> versions,
                                                            byte[] signed, byte[] proof) {
        NodeConfig master = mastership.master();
        if (!mastership.isMaster()) {
            throw new NotMasterException(self.name(), master.name(), master.address());
        }
        if (!cluster.name().equals(clusterName) || replica.equals(self.name()) || cluster.find(replica).isEmpty()) {
            throw refused("'" + replica + "' of cluster '" + clusterName + "' is not a replica of cluster '" + cluster.name() + "'");
        }
        if (cluster.secret() != null && !StreamProof.verifyHandBack(cluster.secret(), clusterName, replica, signed, proof)) {
            throw refused("the hand-back from '" + replica + "' does not prove it knows the cluster's secret");
        }
        return storage.handBackAsync(replica, self.name(), versions, cluster.replication().conflicts())
                .whenComplete((outcomes, error) -> {
                    if (outcomes != null) {
                        for (int i = 0; i < outcomes.size(); i++) {
                            HandbackOutcome o = outcomes.get(i);
                            if (o.kind() != HandbackOutcome.Kind.ALREADY) {
                                log.info("failover write of '{}' taken by {} (etag {}) handed back: {}", versions.get(i).id(),
                                        replica, versions.get(i).etag(), o.kind());
                            }
                        }
                    }
                });
    }

    private ReplicationRefusedException refused(String why) {
        log.warn("refused a hand-back: {}", why);
        return new ReplicationRefusedException("hand-back refused by '" + self.name() + "': " + why);
    }
}
