package dev.corvid.node.replication;

import com.google.protobuf.ByteString;
import dev.corvid.node.cluster.Mastership;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.Storage;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What this node does in replication in the current epoch: while it is master it pushes its
 * changes to every other node (a {@link Replicator} of that epoch's view); otherwise it applies the
 * master's ({@link ReplicaApplier}). Follows {@link Mastership}: a node promoted starts pushing, a
 * node that lost mastership stops, and the streams of a former master are ended on each replica.
 * Stats, topology, stream confirmations and write assurance go to whichever side is current.
 */
public final class ReplicationRole implements ReplicationStatus, OpenedStreams, WriteConfirmations, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplicationRole.class);

    private final Storage storage;
    private final String self;
    private final ReplicaApplier inbound;
    private final Function<NodeConfig, ManagedChannel> channels;
    private final Mastership mastership;
    /** The replicator of the epoch in which this node is master; null while it is not. Guarded by this. */
    private volatile Replicator pushing;
    private boolean closed; // guarded by this
    /** The master of the last epoch in which this node was a replica; null before it knew one. Guarded by this. */
    private String previousMaster;

    /** Progress records of this node's last takeover: its epoch (in the change counter), its own last etag, the fork. */
    static final String TAKEOVER_EPOCH = "@takeover-epoch";
    static final String TAKEOVER_ETAG = "@takeover-etag";
    static final String TAKEOVER_FORK = "@takeover-fork";

    /** @param channels opens the master's channel to a replica */
    public ReplicationRole(Storage storage, Mastership mastership, ReplicaApplier inbound,
                           Function<NodeConfig, ManagedChannel> channels) {
        this.storage = storage;
        this.self = mastership.self();
        this.inbound = inbound;
        this.channels = channels;
        this.mastership = mastership;
    }

    /** Takes up this node's role of the current epoch, and every later one; call once the node serves. */
    public ReplicationRole start() {
        mastership.addListener(this::masterChanged);
        masterChanged(mastership.view());
        return this;
    }

    /** The master changed (or the node starts): push if this node is master now, else stop pushing. */
    public synchronized void masterChanged(ClusterConfig view) {
        if (closed) {
            return;
        }
        // Not a view's word alone: a node just started may replay an old epoch that names it.
        boolean master = view.master().name().equals(self) && mastership.isMaster();
        inbound.masterChanged(view);
        if (master && pushing == null) {
            Takeover takeover = takeover();
            log.info("node {} is master ({}): it pushes its changes to {}", self, takeover,
                    view.replicas().stream().map(NodeConfig::name).toList());
            pushing = new Replicator(storage, view, view.node(self), channels, takeover).start();
        } else if (!master && pushing != null) {
            log.info("node {} is no longer master ({} is): it stops pushing", self, view.master().name());
            pushing.close();
            pushing = null;
        }
        if (!view.master().name().equals(self)) {
            previousMaster = view.master().name();
        }
    }

    /**
     * Where this node's mastership of the current epoch began, recorded durably the first time so a
     * restart of the new master tells joining nodes the same. The own etag is read once the
     * previous master's streams are ended and a record queued behind their last batch is durable.
     */
    private Takeover takeover() {
        long epoch = mastership.epoch();
        if (epoch == 1) {
            return Takeover.FIRST;
        }
        Etag recorded = storage.lastAppliedFrom(TAKEOVER_EPOCH);
        if (recorded != null && recorded.change() == epoch) {
            return new Takeover(epoch, orNull(storage.lastAppliedFrom(TAKEOVER_ETAG)), orNull(storage.lastAppliedFrom(TAKEOVER_FORK)));
        }
        storage.recordProgressAsync(TAKEOVER_EPOCH, Etag.fromLongs(0, 0)).join(); // in progress; a barrier too
        Etag own = storage.lastEtag();
        Etag fork = previousMaster == null ? null : storage.lastAppliedFrom(previousMaster);
        storage.recordProgressAsync(TAKEOVER_ETAG, own == null ? Etag.EMPTY : own).join();
        storage.recordProgressAsync(TAKEOVER_FORK, fork == null ? Etag.EMPTY : fork).join();
        storage.recordProgressAsync(TAKEOVER_EPOCH, Etag.fromLongs(0, epoch)).join();
        return new Takeover(epoch, own, fork);
    }

    private static Etag orNull(Etag e) {
        return e == null || e.isEmpty() ? null : e;
    }

    @Override
    public Optional<ReplicaProgress> progress(String replica) {
        Replicator r = pushing;
        return r != null ? r.progress(replica) : inbound.progress(replica);
    }

    @Override
    public boolean confirm(String replicaName, ByteString streamId) {
        Replicator r = pushing;
        return r != null && r.confirm(replicaName, streamId);
    }

    @Override
    public CompletableFuture<Confirmation> await(Etag etag, int replicas, Duration wait) {
        Replicator r = pushing;
        return r != null ? r.await(etag, replicas, wait) : WriteConfirmations.NONE.await(etag, replicas, wait);
    }

    /** Stops pushing; call before closing storage. */
    @Override
    public synchronized void close() {
        closed = true;
        if (pushing != null) {
            pushing.close();
            pushing = null;
        }
    }
}
