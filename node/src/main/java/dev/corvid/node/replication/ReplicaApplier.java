package dev.corvid.node.replication;

import dev.corvid.node.cluster.Mastership;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.storage.Change;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.Storage;
import dev.corvid.node.storage.StorageUnavailableException;
import io.grpc.ManagedChannel;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replica's side of replication: takes a stream only once it has proved it comes from the
 * configured master, then hands each batch to storage, which applies it atomically with "last
 * master etag applied".
 *
 * <p>A stream proves itself one of two ways. With a {@code secret} in the cluster config the
 * replica answers the handshake with a fresh random challenge and the master answers with its
 * HMAC ({@link StreamProof}). Without one (allowed on loopback only) the replica asks the master
 * at its configured address whether it opened a stream with the handshake's random id
 * ({@link MasterConfirmation}); the master says yes once per id.
 *
 * <p>Invariants: a replica applies master etag n only after everything before it in the master's
 * feed (batches of one stream are applied in order, storage skips any change not after the last
 * applied one, also when a reconnecting master sends a batch again); it applies only etags of the
 * node tag it has applied from before (its first accepted stream pins it), and, within a stream,
 * only etags strictly after the etag it answered and after the stream's previous change. Anything
 * else ends the stream, is logged with the peer's address, and applies nothing of its batch.
 */
public final class ReplicaApplier implements ReplicationStatus, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplicaApplier.class);

    private final Storage storage;
    private final ClusterConfig cluster;
    private final NodeConfig self;
    /** Who is master now; a stream is taken only from it. */
    private final Mastership mastership;
    private final MasterLiveness liveness;
    private final MasterConfirmation confirmation;
    /** Hands this replica's failover writes back to the master before a stream's batches apply. */
    private final FailoverHandback handback;
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    /** Why the last stream of a proved master was refused as another incarnation; null once one is accepted. */
    private volatile String diverged;
    private volatile boolean closed;

    /**
     * @param masterChannel opens a channel to the master's configured address, used only without
     *                      a secret to confirm a stream; closed with the applier
     */
    public ReplicaApplier(Storage storage, ClusterConfig cluster, NodeConfig self, Supplier<ManagedChannel> masterChannel) {
        this(storage, cluster, self, Mastership.fixed(cluster, self.name()), address -> masterChannel.get());
    }

    /**
     * @param mastership    who is master now: the only node a stream is taken from
     * @param masterChannel opens a channel to a master's address, used without a secret to confirm
     *                      a stream and to hand failover writes back; closed with the applier
     */
    public ReplicaApplier(Storage storage, ClusterConfig cluster, NodeConfig self, Mastership mastership,
                          Function<String, ManagedChannel> masterChannel) {
        this.storage = storage;
        this.cluster = cluster;
        this.self = self;
        this.mastership = mastership;
        this.liveness = new MasterLiveness(cluster.replication().masterTimeout(), System::nanoTime);
        this.confirmation = new MasterConfirmation(masterChannel, cluster.replication().confirmStreamTimeout());
        this.handback = new FailoverHandback(storage, cluster, self, mastership, confirmation,
                cluster.replication().confirmStreamTimeout());
    }

    /**
     * Starts a client's failover write: true when it may be taken (the master is unreachable), and
     * then the caller must call {@link #failoverWriteSubmitted} once storage has it (or refused it).
     * Counted before the check, so a hand-back that starts once the master is reachable waits for it.
     */
    boolean enterFailoverWrite() {
        handback.enter();
        if (liveness.reachable()) {
            handback.exit(false);
            return false;
        }
        return true;
    }

    /** Ends what {@link #enterFailoverWrite} started; {@code written} when storage took the write. */
    public void failoverWriteSubmitted(boolean written) {
        handback.exit(written);
    }

    /**
     * Starts a stream whose handshake names this cluster, its master and this replica; the stream
     * still has to prove it comes from the master ({@link Session#challenge}, {@link Session#prove},
     * {@link Session#confirmWithMaster}) before it may send anything else.
     *
     * @param peer  the remote address, for the log
     * @param abort called, at most once, when the node stops while the stream is open
     * @throws ReplicationRefusedException when the handshake does not name the configured master and
     *                                     this replica, or this node is the master
     * @throws StorageUnavailableException when the node is stopping
     */
    public Session open(Handshake handshake, String peer, Consumer<RuntimeException> abort) {
        NodeConfig master = mastership.master();
        if (mastership.isMaster()) {
            throw refused(handshake, peer, "node '" + self.name() + "' is the master of epoch " + mastership.epoch()
                    + "; it takes no replication stream");
        }
        if (!cluster.name().equals(handshake.cluster())) {
            throw refused(handshake, peer, "the stream is for cluster '" + handshake.cluster() + "', this node is in '"
                    + cluster.name() + "'");
        }
        if (!master.name().equals(handshake.masterName())) {
            throw refused(handshake, peer, "the stream comes from '" + handshake.masterName() + "', but the master of cluster '"
                    + cluster.name() + "' is '" + master.name() + "' (epoch " + mastership.epoch() + ")");
        }
        if (handshake.takeover().epoch() != mastership.epoch()) {
            throw refused(handshake, peer, "the stream is of epoch " + handshake.takeover().epoch() + ", but this node knows"
                    + " epoch " + mastership.epoch() + " (master '" + master.name() + "'); the older side learns of the newer soon");
        }
        if (!self.name().equals(handshake.replicaName())) {
            throw refused(handshake, peer, "the stream is meant for '" + handshake.replicaName() + "', this node is '"
                    + self.name() + "'");
        }
        Session session = new Session(handshake, peer, abort);
        sessions.add(session);
        if (closed) {
            session.end();
            throw new StorageUnavailableException("node '" + self.name() + "' is stopping");
        }
        return session;
    }

    private ReplicationRefusedException refused(Handshake handshake, String peer, String why) {
        log.warn("refused a replication stream from {} ({}): {}", peer, handshake, why);
        return new ReplicationRefusedException("replication refused by '" + self.name() + "': " + why);
    }

    /**
     * Whether this replica can reach its master now: it has an accepted stream from it that carried
     * a message (batch or heartbeat) within the master timeout, or it started less than that long
     * ago. A replica takes failover writes only while this is false ({@link WriteAdmission}).
     */
    boolean masterReachable() {
        return liveness.reachable();
    }

    /** How this replica knows whether its master is reachable, for messages. */
    String masterContact() {
        return liveness.describe();
    }

    @Override
    public Optional<ReplicaProgress> progress(String replica) {
        if (!replica.equals(self.name()) || mastership.isMaster()) {
            return Optional.empty();
        }
        Etag last = storage.lastAppliedFrom(mastership.master().name());
        Optional<Etag> applied = Optional.of(last == null ? Etag.EMPTY : last);
        boolean connected = liveness.reachable() && sessions.stream().anyMatch(Session::accepted);
        String why = diverged;
        return Optional.of(why == null ? ReplicaProgress.known(connected, applied) : ReplicaProgress.diverged(false, applied, why));
    }

    /**
     * The master changed: ends the streams of any other node, so only the new master feeds this
     * replica (its streams are refused from now on, see {@link #open}).
     */
    public void masterChanged(ClusterConfig view) {
        String master = view.master().name();
        for (Session s : sessions) {
            if (!s.handshake.masterName().equals(master)) {
                s.end();
                s.abort.accept(new ReplicationRefusedException("replication refused by '" + self.name() + "': '"
                        + s.handshake.masterName() + "' is no longer the master; '" + master + "' is"));
            }
        }
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
        handback.close();
        confirmation.close();
    }

    /** One stream from (what says it is) the master; its methods are called in the stream's order. */
    public final class Session {
        private final Handshake handshake;
        private final String peer;
        private final Consumer<RuntimeException> abort;
        /** The challenge sent; null in a cluster without a secret. */
        private final byte[] challenge;
        private volatile boolean accepted;
        /** The handshake was answered (after the hand-back): batches may come. */
        private volatile boolean answered;
        private volatile boolean ended;
        /** The master etag the stream's next change must come after: the etag answered, then each batch's last. */
        private Etag lastInStream; // touched only by the stream's messages, which come one at a time

        private Session(Handshake handshake, String peer, Consumer<RuntimeException> abort) {
            this.handshake = handshake;
            this.peer = peer;
            this.abort = abort;
            this.challenge = cluster.secret() == null ? null : StreamProof.challenge();
        }

        /**
         * The replica's first answer when the cluster has a secret: random bytes the master must
         * sign ({@link #prove}); empty without a secret (then {@link #confirmWithMaster}).
         */
        public Optional<byte[]> challenge() {
            return Optional.ofNullable(challenge).map(byte[]::clone);
        }

        /**
         * Checks the master's proof for the challenge and accepts the stream.
         *
         * @return the last master etag applied from this master ({@link Etag#EMPTY} for none): the
         *         stream's batches must start after it
         * @throws ReplicationRefusedException when the proof is wrong, or came without a challenge
         * @throws MasterReplacedException     when the master's node tag is not the one applied from
         */
        public Etag prove(byte[] proof) {
            if (challenge == null) {
                throw reject(new ReplicationRefusedException("replication refused by '" + self.name() + "': got a proof, but"
                        + " cluster '" + cluster.name() + "' has no secret here; give every node the same config"));
            }
            if (accepted) {
                throw reject(new ReplicationRefusedException("replication refused by '" + self.name() + "': a second proof"));
            }
            if (!StreamProof.verify(cluster.secret(), challenge, handshake, proof)) {
                throw reject(new ReplicationRefusedException("replication refused by '" + self.name() + "': the stream does"
                        + " not prove it knows the cluster's secret (a wrong proof; check that every node has the same \"secret\")"));
            }
            return accept();
        }

        /**
         * In a cluster without a secret: asks the master at its configured address whether it
         * opened this stream, and accepts the stream if it did. Completes with what {@link #prove}
         * returns, or exceptionally with what it throws (also when the master could not be asked).
         */
        public CompletableFuture<Etag> confirmWithMaster() {
            if (challenge != null) {
                return CompletableFuture.failedFuture(reject(new ReplicationRefusedException("replication refused by '"
                        + self.name() + "': cluster '" + cluster.name() + "' has a secret; the stream must answer the challenge")));
            }
            NodeConfig master = cluster.node(handshake.masterName());
            return confirmation.opened(master.address(), handshake.streamId(), self.name()).handle((opened, error) -> {
                if (error != null) {
                    throw reject(new ReplicationRefusedException("replication refused by '" + self.name() + "': could not ask"
                            + " master '" + master.name() + "' at " + master.address() + " whether it opened this stream: " + error));
                }
                if (!opened) {
                    throw reject(new ReplicationRefusedException("replication refused by '" + self.name() + "': master '"
                            + master.name() + "' at " + master.address() + " did not open this stream"));
                }
                return accept();
            });
        }

        /**
         * Hands this replica's failover writes back to the master ({@link FailoverHandback}) and then
         * completes with {@code answer}, the etag to answer the handshake with: the master's batches
         * come only after that answer, so none can overwrite a version not handed back yet. Fails
         * (the stream ends, the master reconnects and it runs again) when the master could not take them.
         */
        public CompletableFuture<Etag> handBackThenAnswer(Etag answer) {
            return handback.run(handshake.takeover()).handle((done, error) -> {
                if (error != null) {
                    Throwable cause = error instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                            ? c.getCause() : error;
                    log.warn("replica {} could not hand its failover writes back to master {}: {}; the stream from {} ends"
                            + " and the hand-back runs again on the next one", self.name(), handshake.masterName(), cause, peer);
                    throw new StorageUnavailableException("replica '" + self.name() + "' could not hand its failover writes"
                            + " back to master '" + handshake.masterName() + "' yet: " + cause);
                }
                answered = true;
                return answer;
            });
        }

        /** Pins the master's node tag (or checks it against the one applied from) and opens the stream for batches. */
        private Etag accept() {
            if (ended) { // e.g. the master's confirmation came after the stream was cut
                throw new ReplicationRefusedException("replication refused by '" + self.name() + "': the stream has ended");
            }
            liveness.heard(); // it proved it is the master, whatever comes next
            Etag stored = storage.lastAppliedFrom(handshake.masterName());
            Etag last = stored == null ? Etag.EMPTY : stored;
            if (!last.isEmpty() && last.nodeTag() != handshake.masterNodeTag()) {
                String why = "this replica has applied the changes of master '" + handshake.masterName() + "' up to " + last
                        + " (node tag " + Etag.nodeTagText(last.nodeTag()) + "), but the master now has node tag "
                        + Etag.nodeTagText(handshake.masterNodeTag()) + ": its data was replaced, and applying its changes"
                        + " would mix two histories. Nothing was applied. Wipe this replica's data directory ("
                        + self.dataDirectory() + ") and restart it to re-seed it from the master, or restore the master's data";
                diverged = why;
                throw reject(new MasterReplacedException("replication refused by '" + self.name() + "': " + why));
            }
            for (Session other : sessions) {
                if (other != this && other.accepted && other.handshake.masterNodeTag() != handshake.masterNodeTag()) {
                    throw reject(new MasterReplacedException("replication refused by '" + self.name() + "': a stream of master '"
                            + handshake.masterName() + "' with node tag " + Etag.nodeTagText(other.handshake.masterNodeTag())
                            + " is open; two incarnations of the master cannot both feed this replica"));
                }
            }
            lastInStream = last;
            accepted = true;
            diverged = null;
            log.info("replication stream from {} at {} accepted (node tag {}); last applied master etag {}",
                    handshake.masterName(), peer, Etag.nodeTagText(handshake.masterNodeTag()), last);
            return last;
        }

        boolean accepted() {
            return accepted && !ended;
        }

        /**
         * Applies a batch; the future completes, on the storage writer thread, with the last master
         * etag applied once the batch is durable.
         *
         * @throws ReplicationRefusedException when the stream has not proved it comes from the master
         * @throws RejectedChangeException     when a change's etag cannot come from the master's
         *                                     sequence after what the stream delivered, or the batch is empty
         */
        public CompletableFuture<Etag> apply(List<Change> changes) {
            return apply(changes, null);
        }

        /**
         * Applies a batch that brings this replica to {@code through} in the master's feed (null:
         * to its last change). The master leaves out of a catch-up the versions this replica holds
         * from the previous master already ({@link #appliedSources}); a batch may then be empty.
         *
         * @throws RejectedChangeException also when {@code through} is of another node tag than the
         *                                 master's, or not after the stream's last change
         */
        public CompletableFuture<Etag> apply(List<Change> changes, Etag through) {
            requireAccepted("a batch");
            if (!answered) {
                throw reject(new ReplicationRefusedException("replication refused by '" + self.name() + "': a batch before"
                        + " the replica answered the handshake"));
            }
            if (changes.isEmpty() && through == null) {
                throw reject(new RejectedChangeException("an empty batch"));
            }
            Etag previous = lastInStream;
            for (Change c : changes) {
                Etag e = c.etag();
                if (e.nodeTag() != handshake.masterNodeTag()) {
                    throw reject(new RejectedChangeException("change of '" + c.id() + "' has master etag " + e + " of node tag "
                            + Etag.nodeTagText(e.nodeTag()) + ", but master '" + handshake.masterName() + "' has node tag "
                            + Etag.nodeTagText(handshake.masterNodeTag()) + "; nothing of the batch was applied"));
                }
                if (e.compareTo(previous) <= 0) {
                    throw reject(new RejectedChangeException("change of '" + c.id() + "' has master etag " + e
                            + ", not after " + previous + " before it on this stream (out of the master's order);"
                            + " nothing of the batch was applied"));
                }
                previous = e;
            }
            if (through != null) {
                boolean fits = through.nodeTag() == handshake.masterNodeTag()
                        && (changes.isEmpty() ? through.compareTo(previous) > 0 : through.compareTo(previous) >= 0);
                if (!fits) {
                    throw reject(new RejectedChangeException("a batch that brings this replica to master etag " + through
                            + ", which is not of master '" + handshake.masterName() + "' after " + previous
                            + "; nothing of the batch was applied"));
                }
                previous = through;
            }
            lastInStream = previous;
            liveness.heard();
            return storage.applyReplicatedAsync(handshake.masterName(), changes, through);
        }

        /**
         * What this replica has applied of every source but the stream's master, its own feed
         * included (its last etag: a former master holds all of its own feed), for the answer to
         * the handshake: the new master resumes it from where their data matches.
         */
        public List<Etag> appliedSources() {
            List<Etag> applied = new java.util.ArrayList<>();
            for (NodeConfig n : cluster.nodes()) {
                if (n.name().equals(handshake.masterName())) {
                    continue;
                }
                Etag e = n.name().equals(self.name()) ? storage.lastEtag() : storage.lastAppliedFrom(n.name());
                if (e != null && !e.isEmpty()) {
                    applied.add(e);
                }
            }
            return applied;
        }

        /** The master is alive and has nothing to send. */
        public void heartbeat() {
            requireAccepted("a heartbeat");
            liveness.heard();
        }

        private void requireAccepted(String what) {
            if (!accepted) {
                throw reject(new ReplicationRefusedException("replication refused by '" + self.name() + "': " + what
                        + " before the stream proved it comes from the master"));
            }
        }

        /** Logs why the stream is being ended, with the peer, and returns the exception to end it with. */
        private RuntimeException reject(RuntimeException e) {
            log.warn("replication stream from {} ({}) rejected: {}", peer, handshake, e.getMessage());
            return e;
        }

        /** The stream is over. */
        public void end() {
            if (ended) {
                return;
            }
            ended = true;
            sessions.remove(this);
            if (accepted && sessions.stream().noneMatch(Session::accepted)) {
                liveness.lost();
                log.info("replication stream from {} at {} ended", handshake.masterName(), peer);
            }
        }
    }
}
