package dev.corvid.node.cluster;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.FailoverMode;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.config.TlsSettings;
import dev.corvid.node.consensus.Candidates;
import dev.corvid.node.consensus.ClusterEpoch;
import dev.corvid.node.consensus.Consensus;
import dev.corvid.node.consensus.ConsensusTls;
import dev.corvid.node.consensus.PromotionResult;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master as the cluster's Raft group decides it ({@link Consensus}): epoch 1 is the config's
 * master; a promotion makes another node master in the next epoch. This node's Raft server runs on
 * its {@code consensusPort} and keeps its log beside its data directory ({@code <dataDir>-consensus}).
 *
 * <p>Listeners hear of every change of master on one thread of their own, in order, so a slow one
 * (stopping a replicator) never holds up the Raft server.
 */
public final class ConsensusMastership implements Mastership, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ConsensusMastership.class);

    private final ClusterConfig cluster;
    private final String self;
    private final Consensus consensus;
    private final List<Consumer<ClusterConfig>> listeners = new CopyOnWriteArrayList<>();
    private final ExecutorService notifier = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "corvid-mastership");
        t.setDaemon(true);
        return t;
    });
    private volatile ClusterEpoch epoch;
    private volatile ClusterConfig view;
    private PeerPositions positions;
    /** Since start, the group's leader confirmed the epoch ({@link #confirmLater}); only then may this node be master. */
    private volatile boolean confirmed;
    private boolean confirming; // guarded by this
    private volatile boolean closed;

    private ConsensusMastership(ClusterConfig cluster, String self, Candidates candidates) {
        this.cluster = cluster;
        this.self = self;
        Map<String, InetSocketAddress> peers = new LinkedHashMap<>();
        for (NodeConfig n : cluster.nodes()) {
            peers.put(n.name(), new InetSocketAddress(n.advertise(), n.consensusPort()));
        }
        this.consensus = new Consensus(cluster.name(), self, peers, directory(cluster.node(self)), cluster.master().name(),
                cluster.failover() == FailoverMode.AUTOMATIC ? dev.corvid.node.consensus.FailoverMode.AUTOMATIC
                        : dev.corvid.node.consensus.FailoverMode.MANUAL,
                cluster.consensus(), candidates, tls(cluster.tls(), self), cluster.node(self).host());
        consensus.addListener(this::changed);
        ClusterEpoch first = consensus.current();
        this.epoch = first;
        this.view = cluster.withMaster(first.master());
    }

    private static ConsensusTls tls(TlsSettings tls, String self) {
        return tls.enabled() ? new ConsensusTls(tls.nodeCertificate(self), tls.nodeKey(self), tls.ca()) : null;
    }

    /** Where a node's Raft log and snapshots live: beside its data directory. */
    public static Path directory(NodeConfig node) {
        return node.dataDirectory().resolveSibling(node.dataDirectory().getFileName() + "-consensus");
    }

    /**
     * Starts this node's Raft server; returns once it runs (a leader may not be elected yet). Before
     * a promotion it asks the live nodes how up to date they are ({@link PeerPositions}).
     */
    public static ConsensusMastership start(ClusterConfig cluster, String self) {
        java.util.concurrent.atomic.AtomicReference<ConsensusMastership> started = new java.util.concurrent.atomic.AtomicReference<>();
        PeerPositions positions = new PeerPositions(cluster, self, () -> started.get() == null ? 1L : started.get().epoch());
        ConsensusMastership m = new ConsensusMastership(cluster, self, positions);
        m.positions = positions;
        started.set(m);
        m.consensus.start();
        m.changed(m.consensus.current());
        synchronized (m) {
            if (m.view.master().name().equals(self)) {
                m.confirmLater(); // as when an epoch naming it came from the log
            }
        }
        log.info("node {}: {} (failover {})", self, m.epoch, cluster.failover().configName());
        return m;
    }

    private synchronized void changed(ClusterEpoch next) {
        ClusterEpoch before = epoch;
        if (next.epoch() < before.epoch() || next.epoch() == before.epoch() && next.master().equals(before.master())) {
            epoch = next.epoch() == before.epoch() ? next : before;
            return;
        }
        epoch = next;
        ClusterConfig nextView = cluster.withMaster(next.master());
        view = nextView;
        log.info("node {}: {} begins: master {}", self, next, next.master());
        if (next.master().equals(self) && !confirmed) {
            confirmLater(); // listeners hear of it once the group's leader says it is current
            return;
        }
        notifier.execute(() -> listeners.forEach(l -> l.accept(nextView)));
    }

    /**
     * Reads the epoch from the group's leader (retrying until a leader answers) and then tells the
     * listeners the current view. Until then this node does not take itself for the master: at
     * start its Raft server replays old epochs from its log, and one of them may name it.
     */
    private void confirmLater() {
        if (confirming) {
            return;
        }
        confirming = true;
        Thread t = new Thread(() -> {
            while (!closed) {
                try {
                    ClusterEpoch current = consensus.currentLinearizable();
                    synchronized (this) {
                        confirmed = true;
                        ClusterEpoch before = epoch;
                        changed(current);
                        if (epoch == before || epoch.epoch() == before.epoch() && epoch.master().equals(before.master())) {
                            ClusterConfig now = view;
                            notifier.execute(() -> listeners.forEach(l -> l.accept(now)));
                        }
                    }
                    log.info("node {}: {} confirmed by the group's leader", self, epoch);
                    return;
                } catch (RuntimeException e) {
                    log.debug("node {}: the group's leader could not confirm the epoch yet: {}", self, e.toString());
                    java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(100));
                }
            }
        }, "corvid-epoch-confirmation");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Whether this node is the master: the current epoch names it and, since the node started, the
     * group's leader has confirmed that epoch is current (a replayed one is not enough).
     */
    @Override
    public boolean isMaster() {
        return confirmed && view.master().name().equals(self);
    }

    @Override
    public ClusterConfig view() {
        return view;
    }

    @Override
    public long epoch() {
        return epoch.epoch();
    }

    @Override
    public String self() {
        return self;
    }

    @Override
    public boolean mayAcknowledge() {
        return isMaster() && consensus.current().master().equals(self) && consensus.mayAcknowledge();
    }

    @Override
    public void addListener(Consumer<ClusterConfig> listener) {
        listeners.add(listener);
    }

    /**
     * Makes {@code node} master in the next epoch (a forced promotion: the current master need not
     * answer). Refused when another live node is further ahead unless {@code evenIfBehind}, or when
     * no majority answers.
     */
    public PromotionResult promote(String node, boolean evenIfBehind) {
        return consensus.promote(node, evenIfBehind);
    }

    /** This master gives up its lease for a planned hand-over; it acknowledges nothing from here on. */
    public ClusterEpoch release() {
        return consensus.release();
    }

    /** Makes {@code node} master if the epoch is still {@code expected}: the last step of a planned hand-over. */
    public PromotionResult compareAndPromote(String node, long expected) {
        return consensus.compareAndPromote(node, expected);
    }

    /** The epoch as the group's leader has it (not a possibly stale local copy). */
    public ClusterEpoch currentLinearizable() {
        return consensus.currentLinearizable();
    }

    @Override
    public void close() {
        closed = true;
        consensus.close();
        notifier.shutdown();
        if (positions != null) {
            positions.close();
        }
    }
}
