package dev.corvid.node.consensus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's member of the cluster's Raft group (Apache Ratis), which decides only who is master
 * and since which epoch ({@link ClusterEpoch}); data replication is not its business.
 *
 * <p>Before anything was decided the state is epoch 1 with the bootstrap master, the same on
 * every node; the persisted state wins on restart. While this node is master it renews its lease
 * every {@link ConsensusSettings#renewInterval()} on its own and acknowledges writes only while
 * {@link #mayAcknowledge()}. In {@link FailoverMode#AUTOMATIC} the Raft leader promotes a
 * successor when the master's renewals stop ({@link FailoverMonitor}), and a master hands off
 * the Raft leadership, so that its death costs no election on top ({@link LeaderHandOff}).
 *
 * <p>Lifecycle: construct, {@link #addListener}, {@link #start()}, then {@link #close()}. Thread-safe.
 */
public final class Consensus implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Consensus.class);

    private final String self;
    private final Membership membership;
    private final Set<String> members;
    private final Path storageDir;
    private final ConsensusSettings settings;
    private final Candidates candidates;
    private final EpochStateMachine stateMachine;
    private final MasterLease lease;
    private final FailoverMonitor monitor; // null in manual mode
    private final LeaderHandOff handOff; // null in manual mode
    private final List<Consumer<ClusterEpoch>> listeners = new CopyOnWriteArrayList<>();
    private final LeaseRenewer renewer;
    private final ScheduledExecutorService monitorThread = daemon("corvid-consensus-monitor");
    private final ExecutorService events = daemon("corvid-consensus-events");
    private final AtomicBoolean started = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile RaftServer server;
    private volatile RaftServer.Division division;
    private volatile RaftCalls calls;
    /** The Ratis parameters of the server and its clients: TLS, when the cluster has it. */
    private final org.apache.ratis.conf.Parameters parameters;
    /** Where this node's server listens when not at its peer address's host; null otherwise. */
    private final String bindHost;

    /** This node's peer address, on {@link #bindHost} when there is one. */
    private InetSocketAddress bindAddress() {
        InetSocketAddress peer = membership.addresses().get(self);
        return bindHost == null ? peer : new InetSocketAddress(bindHost, peer.getPort());
    }

    /**
     * @param clusterName     names the Raft group (its id is {@code UUID.nameUUIDFromBytes} of the UTF-8 name)
     * @param self            this node's name; a key of {@code peers}
     * @param peers           every member, name to its consensus address (host and a port other
     *                        than 0); the same on every node. This node's server binds to its own
     * @param storageDir      where the Raft log and snapshots live (the node passes
     *                        {@code <dataDir>/consensus}); created if missing
     * @param bootstrapMaster the master of epoch 1; a key of {@code peers}, the same on every node
     * @param mode            whether the group promotes on its own
     * @param settings        the lease and Raft timings
     * @param candidates      the live nodes' positions, asked before a promotion
     */
    public Consensus(String clusterName, String self, Map<String, InetSocketAddress> peers, Path storageDir,
                     String bootstrapMaster, FailoverMode mode, ConsensusSettings settings, Candidates candidates) {
        this(clusterName, self, peers, storageDir, bootstrapMaster, mode, settings, candidates, null);
    }

    /** @param tls mutual TLS for the group's traffic; null for plaintext */
    public Consensus(String clusterName, String self, Map<String, InetSocketAddress> peers, Path storageDir,
                     String bootstrapMaster, FailoverMode mode, ConsensusSettings settings, Candidates candidates,
                     ConsensusTls tls) {
        this(clusterName, self, peers, storageDir, bootstrapMaster, mode, settings, candidates, tls, null);
    }

    /**
     * @param tls      mutual TLS for the group's traffic; null for plaintext
     * @param bindHost the host this node's server listens on (e.g. {@code 0.0.0.0}) when it is not the
     *                 host of its own peer address, which the others dial; null for that host
     */
    public Consensus(String clusterName, String self, Map<String, InetSocketAddress> peers, Path storageDir,
                     String bootstrapMaster, FailoverMode mode, ConsensusSettings settings, Candidates candidates,
                     ConsensusTls tls, String bindHost) {
        this.bindHost = bindHost;
        this.parameters = ConsensusTls.parameters(tls);
        this.self = Objects.requireNonNull(self, "self");
        this.storageDir = Objects.requireNonNull(storageDir, "storageDir");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.candidates = Objects.requireNonNull(candidates, "candidates");
        Objects.requireNonNull(mode, "mode");
        this.membership = Membership.of(clusterName, peers, self, bootstrapMaster);
        this.members = membership.names();
        ConsensusState bootstrap = ConsensusState.bootstrap(bootstrapMaster);
        this.lease = new MasterLease(self, settings.lease(), System::nanoTime);
        this.renewer = new LeaseRenewer(self, lease, () -> calls);
        this.monitor = mode == FailoverMode.AUTOMATIC
                ? new FailoverMonitor(settings.lease(), settings.candidatesRetry(), members, candidates,
                        this::readyLeaderTerm, p -> calls.send(p), System::nanoTime, bootstrap)
                : null;
        this.handOff = mode == FailoverMode.AUTOMATIC
                ? new LeaderHandOff(settings, this::readyLeaderRole, lease::mayAcknowledge,
                        member -> calls.transferLeadership(member, settings.electionTimeoutMax().multipliedBy(2)),
                        System::nanoTime)
                : null;
        this.stateMachine = new EpochStateMachine(bootstrap, members, this::applied);
        lease.onState(bootstrap.current());
    }

    /**
     * Starts this node's Raft server (it recovers its log and snapshot from the storage directory)
     * and the lease renewals; returns without waiting for a leader.
     *
     * @throws IllegalStateException if started before or closed
     * @throws UncheckedIOException  if the storage cannot be opened or the port bound
     */
    public void start() {
        if (closed.get() || !started.compareAndSet(false, true)) {
            throw new IllegalStateException("consensus of " + self + " was already started or closed");
        }
        try {
            Files.createDirectories(storageDir);
            server = RaftServer.newBuilder()
                    .setGroup(membership.group())
                    .setServerId(RaftPeerId.valueOf(self))
                    .setStateMachine(stateMachine)
                    .setProperties(settings.serverProperties(storageDir.toFile(), bindAddress()))
                    .setOption(RaftStorage.StartupOption.RECOVER)
                    .setParameters(parameters)
                    .build();
            server.start();
            division = server.getDivision(membership.group().getGroupId());
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("consensus of " + self + " could not start in " + storageDir, e);
        }
        calls = new RaftCalls(membership.group(), settings, parameters);
        renewer.start(settings.renewInterval());
        if (monitor != null) {
            long tick = settings.monitorInterval().toMillis();
            monitorThread.scheduleAtFixedRate(() -> {
                monitor.tick();
                handOff.tick();
            }, tick, tick, TimeUnit.MILLISECONDS);
        }
    }

    /** The state this node applied last: fast, but may be stale on a node cut off from the majority. */
    public ClusterEpoch current() {
        return stateMachine.state().current();
    }

    /**
     * The group's state as of this call (a Ratis read-only request, answered by the leader after it
     * confirmed it still leads): what a promotion command should start from.
     *
     * @throws ConsensusException if no majority answered within the request timeout
     */
    public ClusterEpoch currentLinearizable() {
        return calls().readLinearizable().current();
    }

    /**
     * Called with the new state on every applied change of epoch or master, on this node, in order,
     * from one consensus thread (a listener that throws is logged and skipped). At start the
     * restored state and the replayed log may come through first. Add listeners before {@link
     * #start()} to see every change.
     */
    public void addListener(Consumer<ClusterEpoch> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /**
     * Makes {@code node} master in epoch {@code expectedEpoch + 1} if the epoch is still {@code
     * expectedEpoch} and {@code node} is a member; otherwise refused with the current state. Of two
     * racing promotions from one epoch exactly one wins. No check of positions: see {@link #promote}.
     * Unless the old master released its lease in that epoch, the new one waits a lease before it
     * acknowledges.
     *
     * @throws ConsensusException if no majority answered in time (the promotion may still apply)
     */
    public PromotionResult compareAndPromote(String node, long expectedEpoch) {
        ConsensusState.Applied a = calls().send(new Command.Promote(node, expectedEpoch, Command.Promote.ANY_RENEWALS));
        return new PromotionResult(a.accepted(), a.state().current(), a.reason());
    }

    /**
     * The operator's promotion (forced: the master is taken to be dead). Refused when {@code node}
     * is already master, and, unless {@code evenIfBehind}, when {@code node} did not report its
     * position or another live node other than the master is ahead of it ({@link Candidates}).
     * A planned hand-over (master alive) is the data layer's: {@link #release()} on the master once
     * {@code node} caught up, then {@link #compareAndPromote}.
     *
     * @throws ConsensusException if no majority answered in time
     */
    public PromotionResult promote(String node, boolean evenIfBehind) {
        if (!members.contains(node)) {
            throw new IllegalArgumentException(node + " is not a member of the group " + members);
        }
        ClusterEpoch now = currentLinearizable();
        if (now.master().equals(node)) {
            return PromotionResult.refused(now, node + " is already the master of epoch " + now.epoch());
        }
        if (!evenIfBehind) {
            Optional<String> whyNot = Successors.whyNot(node, candidates.positions(), now.master(), members);
            if (whyNot.isPresent()) {
                return PromotionResult.refused(now, whyNot.get());
            }
        }
        return compareAndPromote(node, now.epoch());
    }

    /**
     * For a planned hand-over: this node, the master, stops acknowledging at once, then tells the
     * group it gave up its lease, so the next master need not wait one out.
     *
     * @return the state with this epoch released
     * @throws IllegalStateException if this node is not the master, or the group refused (another
     *                               epoch began meanwhile); this node acknowledges nothing more in
     *                               its epoch either way
     * @throws ConsensusException    if no majority answered in time
     */
    public ClusterEpoch release() {
        ClusterEpoch now = current();
        if (!now.master().equals(self) || !lease.giveUp(now.epoch())) {
            throw new IllegalStateException(self + " cannot release a lease: it is not the master (" + now + ")");
        }
        ConsensusState.Applied a = calls().send(new Command.Release(self, now.epoch()));
        if (!a.accepted()) {
            throw new IllegalStateException(self + " could not release its lease: " + a.reason());
        }
        return a.state().current();
    }

    /** Whether this node is master and holds a lease now (a renewal it sent less than a lease ago succeeded). */
    public boolean holdsLease() {
        return lease.holdsLease();
    }

    /**
     * The {@link System#nanoTime()} until which this node's lease holds: sent time of its last
     * successful renewal plus the lease. In the past when it holds none.
     */
    public long leaseValidUntilNanos() {
        return lease.validUntilNanos();
    }

    /**
     * Whether this node, as master, may acknowledge a write now: it holds the lease and, unless its
     * predecessor was fenced (it released, or the automatic failover proved its lease lapsed), one
     * lease has passed since this node learned of its promotion.
     *
     * <p>Why that is safe: the old master's last successful renewal was committed before the
     * promotion (renewals naming the old epoch are refused after it), and it was sent before it
     * was committed, hence before this node learned of the promotion. Its lease, counted on the old
     * master's clock from that send, ended before one lease after this node learned. Both clocks
     * are monotonic ({@link System#nanoTime()}) and run at the same rate to well within a lease.
     */
    public boolean mayAcknowledge() {
        return lease.mayAcknowledge();
    }

    /** Sends any command as this node (for tests: e.g. a renewal on behalf of an old master). */
    ConsensusState.Applied submit(Command command) {
        return calls().send(command);
    }

    /** Whether this node is the Raft leader now (not the same as master). */
    public boolean isRaftLeader() {
        RaftServer.Division d = division;
        return d != null && d.getInfo().isLeader();
    }

    /**
     * Stops renewing, then the Raft server; idempotent. Peers see this node gone within tens of
     * milliseconds (its gRPC server stops first), but the call takes up to about a second: Ratis's
     * log worker polls its queue once a second and the server's close waits for it. A master's
     * lease simply runs out; callers blocked in a request fail at once.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        renewer.close();
        monitorThread.shutdownNow();
        events.shutdown();
        closeQuietly(calls, "its Raft clients");
        closeQuietly(server, "its Raft server");
    }

    private void closeQuietly(AutoCloseable closeable, String what) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            log.warn("consensus of {}: closing {} failed", self, what, e);
        }
    }

    private void applied(ConsensusState before, ConsensusState after) {
        lease.onState(after.current());
        if (monitor != null) {
            monitor.applied(after);
        }
        if (after.current().differsInEpochOrMaster(before.current())) {
            ClusterEpoch state = after.current();
            if (state.master().equals(self)) {
                renewer.renewSoon();
            }
            try {
                events.execute(() -> tell(state));
            } catch (RejectedExecutionException e) {
                log.debug("consensus of {} is closed; {} not passed on", self, state);
            }
        }
    }

    private void tell(ClusterEpoch state) {
        for (Consumer<ClusterEpoch> listener : listeners) {
            try {
                listener.accept(state);
            } catch (RuntimeException e) {
                log.warn("consensus: a listener failed on {}", state, e);
            }
        }
    }

    private long readyLeaderTerm() {
        DivisionInfo info = readyLeader();
        return info == null ? -1 : info.getCurrentTerm();
    }

    /** This node's Raft role while it is master and a leader ready to serve, else null. */
    private RoleInfoProto readyLeaderRole() {
        DivisionInfo info = readyLeader();
        return info != null && current().master().equals(self) ? info.getRoleInfoProto() : null;
    }

    private DivisionInfo readyLeader() {
        RaftServer.Division d = division;
        if (d == null) {
            return null;
        }
        DivisionInfo info = d.getInfo();
        return info.isLeader() && info.isLeaderReady() ? info : null;
    }

    private RaftCalls calls() {
        RaftCalls c = calls;
        if (c == null || closed.get()) {
            throw new IllegalStateException("consensus of " + self + " is "
                    + (closed.get() ? "closed" : "not started"));
        }
        return c;
    }

    private static ScheduledExecutorService daemon(String name) {
        return Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }
}
