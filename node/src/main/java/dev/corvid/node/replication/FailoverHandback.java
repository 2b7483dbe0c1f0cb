package dev.corvid.node.replication;

import com.google.protobuf.ByteString;
import dev.corvid.node.cluster.Mastership;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.storage.Change;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.JsonRules;
import dev.corvid.node.storage.MetadataKeys;
import dev.corvid.node.storage.Storage;
import dev.corvid.node.wire.WireEtag;
import dev.corvid.proto.HandBackOutcome;
import dev.corvid.proto.HandBackRequest;
import dev.corvid.proto.HandBackResponse;
import dev.corvid.proto.HandedBackVersion;
import dev.corvid.proto.ReplicationGrpc;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replica's failover writes on their way back to the master, so that none stays on the replica
 * alone: the versions in its own change feed marked {@value MetadataKeys#FAILOVER_WRITE} (puts and
 * tombstones) go to the master's {@code HandBack}, which applies each or keeps it in a conflict;
 * replication then brings the outcome to every node, the replica included.
 *
 * <p>It runs when a stream from the master has proved itself and before the replica answers the
 * handshake, so no batch of the master can overwrite a version that is not handed back yet. From
 * that moment the replica takes no failover write (its master is reachable), and the hand-back
 * first waits for those already admitted to be submitted ({@link #enter}/{@link #exit}) and then
 * for the writer to commit them (a progress record queued behind them), so it sees every one.
 *
 * <p>Progress: the position in the replica's own feed up to which everything is handed back is
 * recorded durably (as progress {@value #PROGRESS}) after the master answered, so each run reads
 * only the feed written since; a run cut short hands the rest back next time, and a version the
 * master already has is answered ALREADY. While nothing is left to hand back, the position follows
 * the feed as it grows (at most once per {@link #ADVANCE_INTERVAL_NANOS}), so the run after a
 * restart reads only the last moments of the feed, not every change replicated since the last
 * hand-back.
 */
final class FailoverHandback implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FailoverHandback.class);

    /** The progress name of the hand-back; no node can have it (node names do not start with '@'). */
    static final String PROGRESS = "@handed-back";
    /** Versions per HandBack call, the limit the master enforces. */
    static final int MAX_VERSIONS = 1024;
    /** Changes of the feed read at once; at most {@link #MAX_VERSIONS}. */
    private static final int SCAN_PAGE = 256;
    /** Longest wait for failover writes admitted before the stream was accepted to be submitted: a safety net. */
    private static final long SUBMIT_WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Shortest time between two advances of the progress while nothing is pending: 1 s. */
    static final long ADVANCE_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final byte[] MARK = ("\"" + MetadataKeys.FAILOVER_WRITE + "\"").getBytes(StandardCharsets.UTF_8);

    private final Storage storage;
    private final ClusterConfig cluster;
    private final NodeConfig self;
    private final Mastership mastership;
    private final MasterConfirmation master;
    private final Duration callTimeout;
    private final ScheduledExecutorService runner = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "corvid-handback");
        t.setDaemon(true);
        return t;
    });
    /** Failover writes admitted and not yet handed to storage. */
    private final AtomicInteger submitting = new AtomicInteger();
    /** Whether the feed may hold failover writes not yet handed back; true until a run finds none. */
    private volatile boolean maybePending = true;
    /** The last etag of the feed known durable, for {@link #advance}; null before the first commit. */
    private final AtomicReference<Etag> latest = new AtomicReference<>();
    /** Whether an {@link #advance} is scheduled and has not started. */
    private final AtomicBoolean advanceScheduled = new AtomicBoolean();
    /** When the progress may next follow the feed, in {@link System#nanoTime()}; set on the runner. */
    private volatile long nextAdvance = System.nanoTime();

    /**
     * @param master      the channel to the master's configured address
     * @param callTimeout how long the master gets to answer one call
     */
    FailoverHandback(Storage storage, ClusterConfig cluster, NodeConfig self, Mastership mastership,
                     MasterConfirmation master, Duration callTimeout) {
        this.storage = storage;
        this.mastership = mastership;
        this.cluster = cluster;
        this.self = self;
        this.master = master;
        this.callTimeout = callTimeout;
        storage.addCommitListener(this::committed);
    }

    /**
     * On the writer thread, after a group of writes up to {@code last} became durable: notes it and,
     * unless an advance is due already, schedules one on the runner for when the interval has passed.
     */
    private void committed(Etag last) {
        latest.set(last);
        if (!maybePending && advanceScheduled.compareAndSet(false, true)) {
            long wait = Math.max(0, nextAdvance - System.nanoTime());
            try {
                runner.schedule(this::advance, wait, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closed) {
                // the node is stopping: the next start reads from the position recorded last
            }
        }
    }

    /**
     * Moves the progress to the last durable etag of the feed when no failover write is pending: on
     * the runner, so never while a run hands writes back. A failover write at or before that etag
     * was counted by {@link #enter} before storage gave it its etag, so it is still counted, or its
     * {@link #exit} set {@link #maybePending} before uncounting it: read in that order, after the
     * etag, the two say whether every one of them is handed back.
     */
    private void advance() {
        advanceScheduled.set(false);
        nextAdvance = System.nanoTime() + ADVANCE_INTERVAL_NANOS;
        Etag last = latest.get();
        if (last == null || submitting.get() != 0 || maybePending) {
            return;
        }
        try {
            storage.recordProgressAsync(PROGRESS, last).join();
        } catch (RuntimeException e) {
            log.debug("replica {} could not record its hand-back progress at {}: {}", self.name(), last, e.toString());
        }
    }

    /**
     * A failover write is about to be admitted: counted until {@link #exit}. Counted before the
     * caller checks that the master is unreachable, so a hand-back that starts after the check
     * waits for the write.
     */
    void enter() {
        submitting.incrementAndGet();
    }

    /** The failover write counted by {@link #enter} was handed to storage, or refused. */
    void exit(boolean written) {
        if (written) {
            maybePending = true;
        }
        submitting.decrementAndGet();
    }

    /**
     * Hands back every failover write not handed back yet and, when the master took over from
     * another ({@code takeover}), what this node holds of that other master beyond the fork point;
     * completes once the master answered them all.
     */
    CompletableFuture<Void> run(Takeover takeover) {
        boolean rejoin = needsRejoin(takeover);
        if (!rejoin && !maybePending && submitting.get() == 0) {
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.runAsync(() -> {
            if (rejoin) {
                rejoin(takeover);
            }
            handBackAll();
        }, runner);
    }

    /** Progress record: the epoch (in the change counter) whose master this node last handed its fork tail to. */
    static final String REJOINED = "@rejoined-epoch";

    private boolean needsRejoin(Takeover t) {
        if (t.fork() == null) {
            return false;
        }
        Etag done = storage.lastAppliedFrom(REJOINED);
        return done == null || done.change() != t.epoch();
    }

    /**
     * What this node holds of the previous master beyond the fork point, handed to the new master
     * based on its takeover etag, so none of those acknowledged writes is dropped when this node
     * re-syncs from the new master: the previous master's own writes after the fork when this node
     * was it, or, on a replica that had applied further than the new master, the versions and
     * tombstones it has from the previous master after the fork (each keeps its source etag). A
     * tombstone replicated before tombstones kept their source carries none, and is not handed back.
     */
    private void rejoin(Takeover t) {
        Etag fork = t.fork();
        Map<HandBackOutcome.Kind, Integer> counts = new EnumMap<>(HandBackOutcome.Kind.class);
        if (fork.nodeTag() == storage.nodeTag()) {
            Etag from = fork;
            List<Change> page;
            while (!(page = storage.changesAfter(from, SCAN_PAGE)).isEmpty()) {
                send(page, t.takeoverEtag(), counts);
                from = page.get(page.size() - 1).etag();
            }
        } else if (aheadOf(fork)) {
            Etag from = Etag.EMPTY;
            List<Change> page;
            while (!(page = storage.changesAfter(from, SCAN_PAGE)).isEmpty()) {
                List<Change> beyond = page.stream().filter(c -> sourceAfter(c, fork)).toList();
                if (!beyond.isEmpty()) {
                    send(beyond, t.takeoverEtag(), counts);
                }
                from = page.get(page.size() - 1).etag();
            }
        }
        storage.recordProgressAsync(REJOINED, Etag.fromLongs(0, t.epoch())).join();
        if (!counts.isEmpty()) {
            log.info("node {} handed what it held beyond the fork point {} to master {} ({}): {}", self.name(), fork,
                    mastership.master().name(), t, counts);
        }
    }

    /** Whether this node applied some source's feed beyond {@code fork} (same node tag, later etag). */
    private boolean aheadOf(Etag fork) {
        for (NodeConfig n : cluster.nodes()) {
            Etag applied = storage.lastAppliedFrom(n.name());
            if (applied != null && applied.nodeTag() == fork.nodeTag() && applied.compareTo(fork) > 0) {
                return true;
            }
        }
        return false;
    }

    private static boolean sourceAfter(Change c, Etag fork) {
        Etag source = c.sourceEtag();
        return source != null && source.nodeTag() == fork.nodeTag() && source.compareTo(fork) > 0;
    }

    private void handBackAll() {
        long deadline = System.nanoTime() + SUBMIT_WAIT_NANOS;
        while (submitting.get() > 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        maybePending = false; // a failover write from here on sets it again
        Map<HandBackOutcome.Kind, Integer> counts = new EnumMap<>(HandBackOutcome.Kind.class);
        try {
            Etag from = storage.lastAppliedFrom(PROGRESS);
            from = from == null ? Etag.EMPTY : from;
            // Queued behind every write submitted so far: once durable, the feed holds them all.
            storage.recordProgressAsync(PROGRESS, from).join();
            while (true) {
                List<Change> page = storage.changesAfter(from, SCAN_PAGE);
                if (page.isEmpty()) {
                    break;
                }
                List<Change> marked = page.stream().filter(FailoverHandback::isFailoverWrite).toList();
                if (!marked.isEmpty()) {
                    send(marked, null, counts);
                }
                from = page.get(page.size() - 1).etag();
                storage.recordProgressAsync(PROGRESS, from).join();
            }
        } catch (RuntimeException e) {
            maybePending = true;
            throw e;
        }
        if (!counts.isEmpty()) {
            log.info("replica {} handed its failover writes back to master {}: {}", self.name(), mastership.master().name(), counts);
        }
    }

    /**
     * Hands {@code marked} back in one call.
     *
     * @param commonBase the base of every version; null to read each failover write's own
     */
    private void send(List<Change> marked, Etag commonBase, Map<HandBackOutcome.Kind, Integer> counts) {
        HandBackRequest.Builder request = HandBackRequest.newBuilder();
        for (Change c : marked) {
            HandedBackVersion.Builder v = request.addVersionsBuilder().setId(c.id()).setEtag(WireEtag.bytes(c.etag()))
                    .setDeleted(c.deleted())
                    .setMetadataJson(c.metadataJson() == null ? ByteString.copyFromUtf8("{}") : c.metadataJson());
            if (!c.deleted()) {
                v.setBodyJson(c.bodyJson());
            }
            Etag base = commonBase != null ? commonBase : base(c);
            if (base != null) {
                v.setBase(WireEtag.bytes(base));
            }
        }
        byte[] versions = request.build().toByteArray();
        request.setCluster(cluster.name()).setReplicaName(self.name());
        if (cluster.secret() != null) {
            request.setProof(ByteString.copyFrom(StreamProof.handBack(cluster.secret(), cluster.name(), self.name(), versions)));
        }
        HandBackResponse response = ReplicationGrpc.newBlockingStub(master.channel(mastership.master().address()))
                .withDeadlineAfter(callTimeout.toNanos(), TimeUnit.NANOSECONDS).handBack(request.build());
        if (response.getOutcomesCount() != marked.size()) {
            throw new IllegalStateException("master " + mastership.master().name() + " answered " + response.getOutcomesCount()
                    + " outcomes to a hand-back of " + marked.size() + " versions");
        }
        for (int i = 0; i < marked.size(); i++) {
            HandBackOutcome.Kind kind = response.getOutcomes(i).getKind();
            counts.merge(kind, 1, Integer::sum);
            if (kind == HandBackOutcome.Kind.KEPT_BY_POLICY) {
                log.warn("failover write of '{}' (etag {}) handed back to master {}: its conflict policy kept the master's"
                        + " newer version", marked.get(i).id(), marked.get(i).etag(), mastership.master().name());
            }
        }
    }

    /** Whether a change of this replica's feed is a failover write (marked in its metadata). */
    static boolean isFailoverWrite(Change c) {
        return c.metadataJson() != null && MetadataKeys.holds(c.metadataJson().toByteArray(), MARK);
    }

    private static Etag base(Change c) {
        try {
            String text = JsonRules.MAPPER.readTree(c.metadataJson().newInput()).path(MetadataKeys.FAILOVER_BASE).asText("");
            return text.isEmpty() ? null : Etag.parse(text);
        } catch (IOException | RuntimeException e) {
            return null; // no usable base: the master treats the version as written on top of nothing it knows
        }
    }

    @Override
    public void close() {
        runner.shutdownNow();
    }
}
