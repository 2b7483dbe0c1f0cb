package dev.corvid.node.replication;

import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.storage.Change;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.Storage;
import dev.corvid.proto.ChangeBatch;
import dev.corvid.proto.ReplicatedChange;
import dev.corvid.proto.ReplicationAck;
import dev.corvid.proto.ReplicationGrpc;
import dev.corvid.proto.ReplicationHandshake;
import dev.corvid.proto.ReplicationMessage;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pushes the master's change feed to one replica, on a thread of its own, so a replica that is down
 * or slow delays nothing but itself.
 *
 * <p>A connection: handshake, the replica answers the last master etag it has applied, then batches
 * of changes after it, in master etag order, with at most {@code serving.replicationWindowBatches}
 * batches and {@code serving.replicationWindowBytes} of JSON unconfirmed (one batch may cross it):
 * that is all the master buffers for a replica that stops reading (SIGSTOP, a hostile server), and
 * the sender's own thread is the only one it holds. New commits wake the thread ({@link #wake}), so they ship
 * within milliseconds. When the stream fails the sender reconnects with backoff and resumes from
 * what the replica says it has: a batch lost with a connection is sent again, and the replica
 * skips what it already applied.
 *
 * <p>Invariants: {@link #confirmed} only grows; a batch's changes have strictly increasing etags,
 * all after those of the batch before on the same stream.
 */
final class ReplicaSender implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplicaSender.class);

    /** Most changes in one batch. */
    static final int MAX_BATCH_CHANGES = 256;
    /** A batch stops growing past this many bytes of JSON (it always holds at least one change). */
    static final long MAX_BATCH_BYTES = 1024 * 1024;
    private static final long HANDSHAKE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final long IDLE_PARK_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final NodeConfig replica;
    private final Storage storage;
    private final ManagedChannel channel;
    private final ReplicationHandshake handshake;
    private final CommitTimes commitTimes;
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
    private volatile Stream current;

    /**
     * @param window      batches sent ahead of the replica's acks
     * @param windowBytes bytes of JSON sent ahead of the replica's acks (one batch may cross it)
     */
    ReplicaSender(NodeConfig replica, Storage storage, ManagedChannel channel, Handshake handshake,
                  CommitTimes commitTimes, int window, long windowBytes) {
        this.window = window;
        this.windowBytes = windowBytes;
        this.replica = replica;
        this.storage = storage;
        this.channel = channel;
        this.handshake = ReplicationHandshake.newBuilder()
                .setCluster(handshake.cluster())
                .setMasterName(handshake.masterName())
                .setMasterNodeTag(Etag.nodeTagText(handshake.masterNodeTag()))
                .setSecret(handshake.secret())
                .build();
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

    ReplicaProgress progress() {
        Stream s = current;
        boolean connected = s != null && s.answered && s.ended == null;
        Etag last = confirmed;
        if (last == null) {
            return new ReplicaProgress(connected, Optional.empty(), OptionalLong.empty(), OptionalLong.empty());
        }
        Etag head = storage.lastEtag();
        boolean caughtUp = head == null || !last.isEmpty() && last.compareTo(head) >= 0;
        long behind = caughtUp ? 0 : storage.countChangesAfter(last);
        long lag = caughtUp || behind == 0 ? 0 : commitTimes.ageOfFirstCommitAfter(last.change());
        return new ReplicaProgress(connected, Optional.of(last), OptionalLong.of(behind), OptionalLong.of(lag));
    }

    private void run() {
        long backoff = MIN_BACKOFF_NANOS;
        int failures = 0;
        while (running) {
            try {
                if (stream()) {
                    backoff = MIN_BACKOFF_NANOS;
                    failures = 0;
                }
            } catch (RuntimeException e) {
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
            backoff = Math.min(backoff * 2, MAX_BACKOFF_NANOS);
        }
    }

    /**
     * One connection, from handshake until it fails or the sender stops.
     *
     * @return true when the stream got as far as the replica's answer (the replica is reachable)
     */
    private boolean stream() {
        Stream s = new Stream();
        current = s;
        try {
            ReplicationGrpc.newStub(channel).replicate(s);
            s.requests.onNext(ReplicationMessage.newBuilder().setHandshake(handshake).build());
            long deadline = System.nanoTime() + HANDSHAKE_TIMEOUT_NANOS;
            parkUntil(deadline, () -> !running || s.answered || s.ended != null);
            s.throwIfEnded();
            if (!running) {
                return false;
            }
            if (!s.answered) {
                throw new IllegalStateException("no answer to the handshake within 10 s");
            }
            Etag sent = s.answer;
            if (!sent.isEmpty() && sent.nodeTag() != storage.nodeTag()) {
                log.info("replica {} last applied {} from another incarnation of this master; sending everything",
                        replica.name(), sent);
                sent = Etag.EMPTY;
            }
            confirm(sent);
            log.info("replicating to {} at {} after master etag {}", replica.name(), replica.address(), sent);
            while (running) {
                s.throwIfEnded();
                List<Change> changes = s.hasRoom() ? storage.changesAfter(sent, MAX_BATCH_CHANGES) : List.of();
                if (changes.isEmpty()) {
                    LockSupport.parkNanos(this, IDLE_PARK_NANOS);
                    continue;
                }
                sent = send(s, changes);
            }
            return true;
        } finally {
            s.cancel(running ? "replication stream ended" : "master stopping");
        }
    }

    /** Sends one batch from the front of {@code changes} and returns the master etag of its last change. */
    private Etag send(Stream s, List<Change> changes) {
        ChangeBatch.Builder batch = ChangeBatch.newBuilder();
        long bytes = 0;
        Etag last = null;
        for (Change c : changes) {
            long size = c.deleted() ? 0 : c.metadataJson().size() + c.bodyJson().size();
            if (last != null && bytes + size > MAX_BATCH_BYTES) {
                break;
            }
            assert last == null || c.etag().compareTo(last) > 0 : c.etag() + " <= " + last;
            ReplicatedChange.Builder m = batch.addChangesBuilder().setId(c.id()).setEtag(c.etag().toString())
                    .setDeleted(c.deleted());
            if (!c.deleted()) {
                m.setMetadataJson(c.metadataJson()).setBodyJson(c.bodyJson());
            }
            bytes += size;
            last = c.etag();
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
        private ClientCallStreamObserver<ReplicationMessage> requests;
        /** The JSON bytes of each batch sent and not yet confirmed, oldest first. */
        private final Queue<Long> inFlight = new ConcurrentLinkedQueue<>();
        private final AtomicLong inFlightBytes = new AtomicLong();
        private volatile Etag answer;
        private volatile boolean answered;
        private volatile Throwable ended;

        @Override
        public void beforeStart(ClientCallStreamObserver<ReplicationMessage> requestStream) {
            this.requests = requestStream;
        }

        @Override
        public void onNext(ReplicationAck ack) {
            Etag etag;
            try {
                etag = ack.getLastAppliedEtag().isEmpty() ? Etag.EMPTY : Etag.parse(ack.getLastAppliedEtag());
            } catch (IllegalArgumentException e) {
                ended = e;
                wake();
                return;
            }
            if (!answered) {
                answer = etag;
                answered = true;
            } else {
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
