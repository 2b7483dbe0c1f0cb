package dev.corvid.node.replication;

import com.google.protobuf.ByteString;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.config.ReplicationSettings;
import dev.corvid.node.storage.BadRequestException;
import dev.corvid.node.storage.Change;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.Storage;
import dev.corvid.node.wire.WireEtag;
import dev.corvid.proto.ChangeBatch;
import dev.corvid.proto.HandshakeProof;
import dev.corvid.proto.Heartbeat;
import dev.corvid.proto.ReplicatedChange;
import dev.corvid.proto.ReplicationAck;
import dev.corvid.proto.ReplicationGrpc;
import dev.corvid.proto.ReplicationHandshake;
import dev.corvid.proto.ReplicationMessage;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes the master's change feed to one replica, on a thread of its own, so a replica that is down
 * or slow delays nothing but itself.
 *
 * <p>A connection: handshake (with a fresh random stream id); with a secret, the replica's
 * challenge and this master's proof ({@link StreamProof}); the replica answers the last master etag
 * it has applied, then batches of changes after it, in master etag order, with at most
 * {@code serving.replicationWindowBatches} batches and {@code serving.replicationWindowBytes} of JSON
 * unconfirmed (one batch may cross it), and a heartbeat whenever nothing went out for the heartbeat
 * interval. The window is all the master buffers for a replica that stops reading (SIGSTOP, a
 * hostile server), and the sender's own thread is the only one it holds. New commits wake the thread ({@link #wake}), so they ship
 * within milliseconds. When the stream fails the sender reconnects with backoff and resumes from
 * what the replica says it has: a batch lost with a connection is sent again, and the replica
 * skips what it already applied.
 *
 * <p>A replica whose answer is not an etag this master can continue from
 * ({@link Storage#canResumeFrom}: another node tag, after this master's last etag, or in a range
 * its log lost), or that refuses this master as a replaced incarnation (FAILED_PRECONDITION), has
 * <b>diverged</b>: nothing is streamed to it, {@link #progress} says so and never counts it caught
 * up, and the handshake is retried with backoff, so a wiped and re-seeded replica recovers on its
 * own.
 *
 * <p>Invariants: {@link #confirmed} only grows within one incarnation of the replica, and holds
 * only etags this master issued; a batch's changes have strictly increasing etags, all after
 * those of the batch before on the same stream.
 */
final class ReplicaSender implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplicaSender.class);

    /**
     * Longest the sender's thread parks while it waits for a commit or an answer: a safety net,
     * since each of them wakes it ({@link #wake}); not a setting.
     */
    private static final long IDLE_PARK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final NodeConfig replica;
    private final Storage storage;
    private final ManagedChannel channel;
    private final String cluster;
    private final String masterName;
    /** The cluster's secret; null when it has none (loopback only). */
    private final String secret;
    private final long heartbeatNanos;
    private final long handshakeTimeoutNanos;
    private final long minBackoffNanos;
    private final long maxBackoffNanos;
    private final int maxBatchChanges;
    private final long maxBatchBytes;
    private final CommitTimes commitTimes;
    /** Told after every confirmation, so writes waiting for replicas ({@link ConfirmationWaiters}) learn of it. */
    private final Runnable onConfirmed;
    /** This master's epoch and where it took over, sent in every handshake. */
    private final Takeover takeover;
    private final Thread thread;
    /**
     * Batches sent and not yet confirmed, per stream. A replica confirms a batch after its disk
     * sync, but shows it to readers before, so a full window would hold changes back from readers
     * for a sync or more: the window is wide, and bounded in bytes too ({@link #windowBytes}).
     */
    private final int window;
    /** Bytes of JSON sent and not yet confirmed, per stream: what a replica may have queued. */
    private final long windowBytes;

    private volatile boolean running = true;
    /** The last master etag the replica confirmed; null until it first answered. */
    private volatile Etag confirmed;
    /** Why the replica has diverged; null while it has not (or after it recovered). */
    private volatile String diverged;
    /** What a diverged replica claimed to have applied; null when it refused before saying. */
    private volatile Etag divergedClaim;
    private volatile Stream current;

    /**
     * @param settings    heartbeat, handshake timeout, reconnect backoff and batch sizes
     * @param onConfirmed runs after every confirmation the replica sends, on the thread that received it
     * @param window      batches sent ahead of the replica's acks
     * @param windowBytes bytes of JSON sent ahead of the replica's acks (one batch may cross it)
     */
    ReplicaSender(NodeConfig replica, Storage storage, ManagedChannel channel, String cluster, String masterName,
                  String secret, ReplicationSettings settings, CommitTimes commitTimes, Runnable onConfirmed,
                  Takeover takeover, int window, long windowBytes) {
        this.onConfirmed = onConfirmed;
        this.takeover = takeover;
        this.window = window;
        this.windowBytes = windowBytes;
        this.replica = replica;
        this.storage = storage;
        this.channel = channel;
        this.cluster = cluster;
        this.masterName = masterName;
        this.secret = secret;
        this.heartbeatNanos = settings.heartbeat().toNanos();
        this.handshakeTimeoutNanos = settings.handshakeTimeout().toNanos();
        this.minBackoffNanos = settings.reconnectBackoffMin().toNanos();
        this.maxBackoffNanos = settings.reconnectBackoffMax().toNanos();
        this.maxBatchChanges = settings.maxBatchChanges();
        this.maxBatchBytes = settings.maxBatchBytes();
        this.commitTimes = commitTimes;
        this.thread = new Thread(this::run, "corvid-replication-to-" + replica.name());
        this.thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    /** Something changed (a commit, an answer, a failure): look again. Never blocks. */
    void wake() {
        LockSupport.unpark(thread);
    }

    /**
     * What this master knows of the replica. Never "caught up" or a count of changes behind for an
     * etag this master cannot continue from: that replica is reported diverged.
     */
    ReplicaProgress progress() {
        Stream s = current;
        boolean connected = s != null && s.answered && s.ended == null;
        String why = diverged;
        if (why != null) {
            return ReplicaProgress.diverged(false, Optional.ofNullable(divergedClaim), why);
        }
        Etag last = confirmed;
        if (last == null) {
            return ReplicaProgress.known(connected, Optional.empty());
        }
        if (!storage.canResumeFrom(last)) {
            return ReplicaProgress.diverged(false, Optional.of(last), neverIssued(last));
        }
        Etag head = storage.lastEtag();
        boolean caughtUp = head == null || last.equals(head);
        long behind = caughtUp ? 0 : storage.countChangesAfter(last);
        long lag = caughtUp || behind == 0 ? 0 : commitTimes.ageOfFirstCommitAfter(last.change());
        return new ReplicaProgress(connected, Optional.of(last), OptionalLong.of(behind), OptionalLong.of(lag),
                Optional.empty());
    }

    /** Why a replica claiming {@code claim} cannot be continued from here, and what to do. */
    private String neverIssued(Etag claim) {
        Etag head = storage.lastEtag();
        String detail = claim.nodeTag() != storage.nodeTag()
                ? "of node tag " + Etag.nodeTagText(claim.nodeTag()) + ", while this master's is "
                        + Etag.nodeTagText(storage.nodeTag())
                : head == null || claim.change() > head.change()
                ? "after this master's last etag " + (head == null ? "(none)" : head.toString())
                : "in a range this master's log lost";
        return "replica '" + replica.name() + "' claims master etag " + claim + ", which master '" + masterName
                + "' never issued or no longer has (" + detail + "): it holds changes this master lost, so streaming"
                + " cannot make it equal. Nothing is sent to it. Wipe the replica's data directory and restart it to"
                + " re-seed it from this master (it recovers on its own), or restore the master's data";
    }

    private void run() {
        long backoff = minBackoffNanos;
        int failures = 0;
        while (running) {
            try {
                stream();
            } catch (RuntimeException e) {
                Stream s = current;
                if (s != null && s.answered && diverged == null) {
                    // It had been streaming: a new interruption, worth saying, retried at once.
                    backoff = minBackoffNanos;
                    failures = 0;
                }
                failures++;
                // Say it once; a replica that stays down would otherwise fill the log.
                if (failures == 1) {
                    log.warn("replication to {} at {} interrupted: {}; retrying with backoff",
                            replica.name(), replica.address(), e.toString());
                } else {
                    log.debug("replication to {}: attempt {} failed: {}", replica.name(), failures, e.toString());
                }
            }
            if (!running) {
                break;
            }
            // The channel's own reconnect backoff grows to minutes; ours is the one that counts.
            channel.resetConnectBackoff();
            parkUntil(System.nanoTime() + backoff, () -> !running);
            backoff = Math.min(backoff * 2, maxBackoffNanos);
        }
    }

    /** One connection, from handshake until it fails (it throws) or the sender stops. */
    private void stream() {
        Stream s = new Stream(StreamProof.streamId());
        current = s;
        try {
            ReplicationGrpc.newStub(channel).replicate(s);
            ReplicationHandshake handshake = ReplicationHandshake.newBuilder()
                    .setCluster(cluster)
                    .setMasterName(masterName)
                    .setMasterNodeTag(Etag.nodeTagText(storage.nodeTag()))
                    .setReplicaName(replica.name())
                    .setStreamId(s.id)
                    .setEpoch(takeover.epoch())
                    .setTakeoverEtag(WireEtag.bytes(takeover.takeoverEtag()))
                    .setForkEtag(WireEtag.bytes(takeover.fork()))
                    .build();
            s.requests.onNext(ReplicationMessage.newBuilder().setHandshake(handshake).build());
            long deadline = System.nanoTime() + handshakeTimeoutNanos;
            awaitFirst(s, deadline);
            if (!running) {
                return;
            }
            if (s.challenge != null) {
                if (secret == null) {
                    throw new IllegalStateException("replica " + replica.name() + " asks this master to prove it knows the"
                            + " cluster's secret, but this master's config has none: give every node the same \"secret\"");
                }
                Handshake signed = new Handshake(cluster, masterName, storage.nodeTag(), replica.name(), s.id, takeover);
                byte[] proof = StreamProof.sign(secret, s.challenge, signed);
                s.requests.onNext(ReplicationMessage.newBuilder()
                        .setProof(HandshakeProof.newBuilder().setHmac(ByteString.copyFrom(proof))).build());
                awaitFirst(s, deadline);
                if (!running) {
                    return;
                }
            }
            Etag sent = s.answer;
            if (!storage.canResumeFrom(sent)) {
                diverge(neverIssued(sent), sent);
                throw new IllegalStateException("replica " + replica.name() + " has diverged: it claims " + sent);
            }
            recovered();
            confirm(sent);
            CatchUp catchUp = CatchUp.of(takeover, storage, s.appliedSources);
            if (catchUp != null && !catchUp.covers(sent)) {
                catchUp = null;
            }
            log.info("replicating to {} at {} after master etag {}{}", replica.name(), replica.address(), sent,
                    catchUp == null ? "" : ", leaving out what it holds from before the takeover (" + takeover + ")");
            long lastMessage = System.nanoTime();
            while (running) {
                s.throwIfEnded();
                List<Change> changes = s.hasRoom() ? storage.changesAfter(sent, maxBatchChanges) : List.of();
                long now = System.nanoTime();
                if (!changes.isEmpty()) {
                    if (catchUp != null && catchUp.covers(sent)) {
                        sent = sendCatchUp(s, changes, catchUp);
                        if (!catchUp.covers(sent)) {
                            log.info("replica {} caught up to the takeover at master etag {}: {}", replica.name(), sent, catchUp);
                            catchUp = null;
                        }
                    } else {
                        sent = send(s, changes, null);
                    }
                    lastMessage = now;
                } else if (now - lastMessage >= heartbeatNanos) {
                    // The replica counts its master reachable only while the stream carries something.
                    s.requests.onNext(ReplicationMessage.newBuilder().setHeartbeat(Heartbeat.getDefaultInstance()).build());
                    lastMessage = now;
                } else {
                    LockSupport.parkNanos(this, Math.min(IDLE_PARK_NANOS, lastMessage + heartbeatNanos - now));
                }
            }
        } finally {
            s.cancel(running ? "replication stream ended" : "master stopping");
        }
    }

    /**
     * Waits for the replica's next answer to the handshake (its challenge or its last applied etag).
     * A FAILED_PRECONDITION refusal means the replica takes this master for a replaced incarnation:
     * it has diverged.
     */
    private void awaitFirst(Stream s, long deadline) {
        int seen = s.answers;
        parkUntil(deadline, () -> !running || s.answers > seen || s.ended != null);
        if (s.ended != null && Status.fromThrowable(s.ended).getCode() == Status.Code.FAILED_PRECONDITION) {
            diverge(Status.fromThrowable(s.ended).getDescription(), null);
        }
        s.throwIfEnded();
        if (running && s.answers == seen) {
            throw new IllegalStateException("no answer to the handshake within "
                    + TimeUnit.NANOSECONDS.toMillis(handshakeTimeoutNanos) + " ms (replication.handshakeTimeoutMillis)");
        }
    }

    private void diverge(String why, Etag claim) {
        if (diverged == null) {
            log.warn("replica {} at {} has diverged; streaming nothing to it and retrying the handshake with backoff: {}",
                    replica.name(), replica.address(), why);
        }
        divergedClaim = claim;
        diverged = why;
    }

    private void recovered() {
        if (diverged != null) {
            log.info("replica {} at {} no longer diverged (re-seeded or restored)", replica.name(), replica.address());
            diverged = null;
            divergedClaim = null;
        }
    }

    /**
     * Answers the replica's question in a cluster without a secret: whether this sender's open
     * stream has {@code streamId}. True at most once per stream, so a replayed id is refused.
     */
    boolean confirmStream(ByteString streamId) {
        Stream s = current;
        return s != null && s.ended == null && s.id.equals(streamId) && s.confirmedToReplica.compareAndSet(false, true);
    }

    /**
     * Sends the changes of the takeover's region at the front of {@code changes} that the replica
     * does not hold ({@link CatchUp}), and says how far that brings it; returns that position.
     */
    private Etag sendCatchUp(Stream s, List<Change> changes, CatchUp catchUp) {
        List<Change> region = new ArrayList<>(changes.size());
        for (Change c : changes) {
            if (!catchUp.inRegion(c)) {
                break;
            }
            region.add(c);
        }
        if (region.isEmpty()) {
            return send(s, changes, null);
        }
        List<Change> missing = region.stream().filter(c -> !catchUp.replicaHolds(c)).toList();
        return send(s, missing, region.get(region.size() - 1).etag());
    }

    /**
     * Sends one batch from the front of {@code changes} and returns the master etag it brings the
     * replica to: its last change's, or {@code through} when the batch holds all of {@code changes}
     * and {@code through} is set (the master left out versions up to it; then {@code changes} may be empty).
     */
    private Etag send(Stream s, List<Change> changes, Etag through) {
        ChangeBatch.Builder batch = ChangeBatch.newBuilder();
        long bytes = 0;
        Etag last = null;
        int included = 0;
        for (Change c : changes) {
            long size = c.deleted() ? 0 : c.metadataJson().size() + c.bodyJson().size();
            if (last != null && bytes + size > maxBatchBytes) {
                break;
            }
            assert last == null || c.etag().compareTo(last) > 0 : c.etag() + " <= " + last;
            ReplicatedChange.Builder m = batch.addChangesBuilder().setId(c.id()).setEtag(WireEtag.bytes(c.etag()))
                    .setDeleted(c.deleted());
            if (!c.deleted()) {
                m.setMetadataJson(c.metadataJson()).setBodyJson(c.bodyJson());
            }
            bytes += size;
            last = c.etag();
            included++;
        }
        if (through != null && included == changes.size()) {
            batch.setThrough(WireEtag.bytes(through));
            last = through;
        }
        s.sent(bytes);
        s.requests.onNext(ReplicationMessage.newBuilder().setBatch(batch).build());
        return last;
    }

    /**
     * Records what the replica has; only grows, unless the replica starts over (another node tag, or
     * none). Synchronized: a stream's acks and a new stream's answer may arrive on different threads.
     */
    private synchronized void confirm(Etag etag) {
        Etag before = confirmed;
        if (before == null || etag.nodeTag() != before.nodeTag() || etag.compareTo(before) > 0) {
            confirmed = etag;
        }
        commitTimes.confirmed(replica.name(), etag.change());
        onConfirmed.run();
    }

    /**
     * The last master etag the replica has confirmed durably applied; null until it first answered.
     * A replica confirms a batch only once its own log is synced.
     */
    Etag confirmed() {
        return confirmed;
    }

    private void parkUntil(long deadline, java.util.function.BooleanSupplier done) {
        while (!done.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return;
            }
            LockSupport.parkNanos(this, left);
        }
    }

    /** Stops the thread, cancelling its stream, and waits for it. */
    @Override
    public void close() {
        running = false;
        Stream s = current;
        if (s != null) {
            s.cancel("master stopping");
        }
        wake();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One replication stream; its callbacks run on gRPC threads and only record and wake. */
    private final class Stream implements ClientResponseObserver<ReplicationMessage, ReplicationAck> {
        private final ByteString id;
        private final AtomicBoolean confirmedToReplica = new AtomicBoolean();
        private ClientCallStreamObserver<ReplicationMessage> requests;
        /** The JSON bytes of each batch sent and not yet confirmed, oldest first. */
        private final Queue<Long> inFlight = new ConcurrentLinkedQueue<>();
        private final AtomicLong inFlightBytes = new AtomicLong();
        /** The replica's challenge, when it sent one. */
        private volatile byte[] challenge;
        private volatile Etag answer;
        /** The answer's applied sources: what the replica holds of other masters' feeds. */
        private volatile List<Etag> appliedSources = List.of();
        private volatile boolean answered;
        /** Answers to the handshake so far (challenge, then last applied etag). */
        private volatile int answers;
        private volatile Throwable ended;

        Stream(ByteString id) {
            this.id = id;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<ReplicationMessage> requestStream) {
            this.requests = requestStream;
        }

        @Override
        public void onNext(ReplicationAck ack) {
            if (!answered && answers == 0 && !ack.getChallenge().isEmpty()) {
                challenge = ack.getChallenge().toByteArray();
                answers++;
                wake();
                return;
            }
            Etag etag;
            try {
                etag = Objects.requireNonNullElse(WireEtag.etag(ack.getLastAppliedEtag()), Etag.EMPTY);
            } catch (BadRequestException e) {
                ended = e;
                wake();
                return;
            }
            if (!answered) {
                List<Etag> applied = new ArrayList<>(ack.getAppliedSourcesCount());
                try {
                    for (ByteString e : ack.getAppliedSourcesList()) {
                        Etag source = WireEtag.etag(e);
                        if (source != null && !source.isEmpty()) {
                            applied.add(source);
                        }
                    }
                } catch (BadRequestException e) {
                    ended = e;
                    wake();
                    return;
                }
                appliedSources = List.copyOf(applied);
                answer = etag;
                answered = true;
                answers++;
            } else {
                // Not "at most the last sent": a batch of the stream before may still be applying.
                if (!storage.canResumeFrom(etag)) {
                    ended = new IllegalStateException("replica " + replica.name() + " acknowledged master etag " + etag
                            + ", which this master never issued");
                    wake();
                    return;
                }
                confirm(etag);
                Long bytes = inFlight.poll();
                if (bytes != null) {
                    inFlightBytes.addAndGet(-bytes);
                }
            }
            wake();
        }

        @Override
        public void onError(Throwable t) {
            ended = t;
            wake();
        }

        @Override
        public void onCompleted() {
            ended = new IllegalStateException("the replica ended the stream");
            wake();
        }

        boolean hasRoom() {
            return inFlight.size() < window && inFlightBytes.get() < windowBytes;
        }

        void sent(long bytes) {
            inFlightBytes.addAndGet(bytes);
            inFlight.add(bytes);
        }

        void throwIfEnded() {
            Throwable t = ended;
            if (t != null) {
                throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
            }
        }

        void cancel(String why) {
            if (requests != null) {
                requests.cancel(why, null);
            }
        }
    }
}
