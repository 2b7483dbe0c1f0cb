package dev.corvid.node.replication;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.storage.Change;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.Storage;
import dev.corvid.node.storage.StorageUnavailableException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica's side of replication: checks that a stream comes from the configured master, then
 * hands each batch to storage, which applies it atomically with "last master etag applied".
 *
 * <p>Invariant: a replica applies master etag n only after everything before it in the master's
 * feed (batches of one stream are applied in order, and storage skips any change not after the
 * last applied one, also when a reconnecting master sends a batch again).
 */
public final class ReplicaApplier implements ReplicationStatus, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplicaApplier.class);

    private final Storage storage;
    private final ClusterConfig cluster;
    private final NodeConfig self;
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public ReplicaApplier(Storage storage, ClusterConfig cluster, NodeConfig self) {
        this.storage = storage;
        this.cluster = cluster;
        this.self = self;
    }

    /**
     * Accepts a stream whose handshake names this cluster, its master and (when the config has one)
     * the secret.
     *
     * @param abort called, at most once, when the node stops while the stream is open
     * @throws ReplicationRefusedException when the stream does not come from the configured master,
     *                                     or this node is the master
     * @throws StorageUnavailableException when the node is stopping
     */
    public Session open(Handshake handshake, Consumer<RuntimeException> abort) {
        NodeConfig master = cluster.master();
        if (self.role() == NodeConfig.Role.MASTER) {
            throw refused(handshake, "node '" + self.name() + "' is the master; it takes no replication stream");
        }
        if (!cluster.name().equals(handshake.cluster())) {
            throw refused(handshake, "the stream is for cluster '" + handshake.cluster() + "', this node is in '"
                    + cluster.name() + "'");
        }
        if (!master.name().equals(handshake.masterName())) {
            throw refused(handshake, "the stream comes from '" + handshake.masterName() + "', but the master of cluster '"
                    + cluster.name() + "' is '" + master.name() + "'");
        }
        if (cluster.secret() != null && !MessageDigest.isEqual(bytes(cluster.secret()), bytes(handshake.secret()))) {
            throw refused(handshake, "the stream presents a wrong or no secret");
        }
        Session session = new Session(handshake, abort);
        sessions.add(session);
        if (closed) {
            session.end();
            throw new StorageUnavailableException("node '" + self.name() + "' is stopping");
        }
        log.info("replication stream from {} opened; last applied master etag {}", handshake.masterName(),
                session.lastApplied());
        return session;
    }

    private ReplicationRefusedException refused(Handshake handshake, String why) {
        log.warn("refused a replication stream ({}): {}", handshake, why);
        return new ReplicationRefusedException("replication refused by '" + self.name() + "': " + why);
    }

    private static byte[] bytes(String text) {
        return text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public Optional<ReplicaProgress> progress(String replica) {
        if (!replica.equals(self.name()) || self.role() != NodeConfig.Role.REPLICA) {
            return Optional.empty();
        }
        Etag last = storage.lastAppliedFrom(cluster.master().name());
        return Optional.of(new ReplicaProgress(!sessions.isEmpty(), Optional.of(last == null ? Etag.EMPTY : last),
                OptionalLong.empty(), OptionalLong.empty()));
    }

    /** Refuses new streams and aborts the open ones, so the server can drain at once. */
    @Override
    public void close() {
        closed = true;
        StorageUnavailableException stopping = new StorageUnavailableException("node '" + self.name() + "' is stopping");
        for (Session s : sessions) {
            s.end();
            s.abort.accept(stopping);
        }
    }

    /** One accepted stream from the master. */
    public final class Session {
        private final Handshake handshake;
        private final Consumer<RuntimeException> abort;

        private Session(Handshake handshake, Consumer<RuntimeException> abort) {
            this.handshake = handshake;
            this.abort = abort;
        }

        /**
         * The last master etag applied from this master; {@link Etag#EMPTY} when none was, or when
         * it was issued by another incarnation of the master (its data was replaced), so that the
         * master sends everything again.
         */
        public Etag lastApplied() {
            Etag last = storage.lastAppliedFrom(handshake.masterName());
            return last == null || last.nodeTag() != handshake.masterNodeTag() ? Etag.EMPTY : last;
        }

        /**
         * Applies a batch; the future completes, on the storage writer thread, with the last master
         * etag applied once the batch is durable.
         *
         * @throws IllegalArgumentException when a change was not issued by the master of the handshake,
         *                                  or the batch is empty or out of order
         */
        public CompletableFuture<Etag> apply(List<Change> changes) {
            for (Change c : changes) {
                if (c.etag().nodeTag() != handshake.masterNodeTag()) {
                    throw new IllegalArgumentException("change of '" + c.id() + "' has etag " + c.etag()
                            + ", not one of master node tag " + Etag.nodeTagText(handshake.masterNodeTag()));
                }
            }
            return storage.applyReplicatedAsync(handshake.masterName(), changes);
        }

        /** The stream is over. */
        public void end() {
            sessions.remove(this);
        }
    }
}
