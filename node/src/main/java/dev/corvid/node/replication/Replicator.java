package dev.corvid.node.replication;

import com.google.protobuf.ByteString;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.Storage;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The master's side of replication: one {@link ReplicaSender} per replica of the cluster config,
 * each woken by every commit.
 *
 * <p>Write assurance: {@link #await} completes once enough replicas confirmed a write on their
 * streams ({@link ConfirmationWaiters}).
 *
 * <p>The master keeps tombstones for ever (storage never purges them), so a replica that comes back
 * after any time still learns of every delete it missed.
 */
public final class Replicator implements ReplicationStatus, OpenedStreams, WriteConfirmations, AutoCloseable {

    private final Map<String, ReplicaSender> senders = new LinkedHashMap<>();
    private final Map<String, ManagedChannel> channels = new LinkedHashMap<>();
    /** Writes waiting for replicas to confirm them (write assurance). */
    private final ConfirmationWaiters confirmations;
    private volatile boolean closed;

    /**
     * @param channels opens the channel to a replica (transport injected, so tests and the node
     *                 choose); the replicator shuts the channels down on {@link #close}
     */
    public Replicator(Storage storage, ClusterConfig cluster, NodeConfig self,
                      Function<NodeConfig, ManagedChannel> channels) {
        this(storage, cluster, self, channels, Takeover.FIRST);
    }

    /** @param takeover this master's epoch and where it took over, for every handshake */
    public Replicator(Storage storage, ClusterConfig cluster, NodeConfig self,
                      Function<NodeConfig, ManagedChannel> channels, Takeover takeover) {
        if (self.role() != NodeConfig.Role.MASTER) {
            throw new IllegalArgumentException("node " + self.name() + " is a replica; only the master pushes changes");
        }
        CommitTimes commitTimes = new CommitTimes(cluster.replicas().stream().map(NodeConfig::name).toList(),
                cluster.replication().lagHistoryCommits());
        List<Supplier<Etag>> confirmedByReplica = new ArrayList<>();
        for (NodeConfig replica : cluster.replicas()) {
            ManagedChannel channel = channels.apply(replica);
            this.channels.put(replica.name(), channel);
            ReplicaSender sender = new ReplicaSender(replica, storage, channel, cluster.name(), self.name(),
                    cluster.secret(), cluster.replication(), commitTimes, this::replicaConfirmed, takeover,
                    cluster.serving().replicationWindowBatches(), cluster.serving().replicationWindowBytes());
            senders.put(replica.name(), sender);
            confirmedByReplica.add(sender::confirmed);
        }
        this.confirmations = new ConfirmationWaiters(confirmedByReplica);
        storage.addCommitListener(last -> {
            commitTimes.committed(last.change());
            senders.values().forEach(ReplicaSender::wake);
        });
    }

    /** Starts pushing to every replica; each sender connects (and reconnects) on its own. */
    public Replicator start() {
        senders.values().forEach(ReplicaSender::start);
        return this;
    }

    @Override
    public Optional<ReplicaProgress> progress(String replica) {
        ReplicaSender sender = senders.get(replica);
        return sender == null ? Optional.empty() : Optional.of(sender.progress());
    }

    /** Runs on a sender's acknowledgement; the senders start only in {@link #start}, after the constructor. */
    private void replicaConfirmed() {
        confirmations.confirmed();
    }

    @Override
    public CompletableFuture<Confirmation> await(Etag etag, int replicas, Duration wait) {
        return confirmations.await(etag, replicas, wait);
    }

    @Override
    public boolean confirm(String replicaName, ByteString streamId) {
        ReplicaSender sender = senders.get(replicaName);
        return sender != null && sender.confirmStream(streamId);
    }

    /** Stops every sender and closes the channels; call before closing storage. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        senders.values().forEach(ReplicaSender::close);
        confirmations.close();
        channels.values().forEach(ManagedChannel::shutdownNow);
        for (ManagedChannel channel : channels.values()) {
            try {
                channel.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
