package dev.corvid.client.routing;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import dev.corvid.client.transport.Connections;
import dev.corvid.client.transport.NodeTransport;
import dev.corvid.proto.NodeStats;
import io.grpc.Deadline;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's background thread: probes failed nodes with a short {@code Stats} call every
 * {@link dev.corvid.client.Conventions#getFailedNodeProbeInterval()} and marks them live again when they answer (so
 * the client goes back to the master on its own), and refreshes the topology from the
 * {@link TopologySource} every {@link dev.corvid.client.Conventions#getTopologyRefreshInterval()}, caching what it
 * learns on disk.
 */
public final class HealthMonitor implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HealthMonitor.class);

    private final NodeSelector selector;
    private final Connections connections;
    private final TopologySource source;
    private final TopologyCache cache;
    private final long probeTimeoutMillis;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "corvid-client-health");
        t.setDaemon(true);
        return t;
    });
    /** The topology last written to the cache; touched only by the scheduler thread. */
    private Topology cached;
    /** Nodes with a probe in flight, so a slow (paused) node gets one probe at a time. */
    private final Set<String> probing = ConcurrentHashMap.newKeySet();

    /**
     * @param probeTimeout the deadline of a probe; a node that answers later stays failed
     */
    public HealthMonitor(NodeSelector selector, Connections connections, TopologySource source, TopologyCache cache,
            Duration probeTimeout) {
        this.selector = selector;
        this.connections = connections;
        this.source = source;
        this.cache = cache;
        this.probeTimeoutMillis = probeTimeout.toMillis();
    }

    /** Starts probing and refreshing; the first topology refresh runs at once. */
    public void start(Duration probeInterval, Duration refreshInterval) {
        scheduler.scheduleWithFixedDelay(this::probeFailedNodes, probeInterval.toMillis(), probeInterval.toMillis(),
                TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::refreshTopology, 0, refreshInterval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One probe round: each failed node without a probe in flight gets one. */
    void probeFailedNodes() {
        for (String address : selector.state().failed()) {
            if (!probing.add(address)) {
                continue;
            }
            try {
                probe(address);
            } catch (RuntimeException e) { // the store is closing; the next round will not come
                probing.remove(address);
            }
        }
    }

    private void probe(String address) {
        NodeTransport node = connections.to(address);
        // A failed channel waits out an exponential backoff (up to minutes) before reconnecting;
        // the probe is the moment to try again.
        node.reconnectNow();
        Futures.addCallback(node.stats(Deadline.after(probeTimeoutMillis, TimeUnit.MILLISECONDS)), new FutureCallback<NodeStats>() {
                    @Override
                    public void onSuccess(NodeStats stats) {
                        probing.remove(address);
                        LOG.info("node {} answers again; routing calls to it", address);
                        selector.markHealthy(address);
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        probing.remove(address);
                    }
                }, MoreExecutors.directExecutor());
    }

    /** Asks the source for the replicas (unless the master is known down) and caches a change. */
    void refreshTopology() {
        try {
            NodeSelector.State state = selector.state();
            String master = state.topology().master();
            if (state.isFailed(master)) {
                return;
            }
            Optional<List<String>> replicas = source.replicas(master, connections.to(master), probeTimeoutMillis * 2);
            if (replicas.isEmpty()) {
                return;
            }
            Topology learned = new Topology(List.of(master)).withReplicas(replicas.get());
            Topology merged = learned.withReplicas(state.topology().replicas());
            if (!merged.equals(state.topology())) {
                LOG.info("topology of {} is now {}", master, merged.nodes());
                selector.updateTopology(merged);
            }
            if (!merged.equals(cached)) {
                cache.save(merged);
                cached = merged;
            }
        } catch (RuntimeException e) {
            LOG.debug("topology refresh failed; keeping {}: {}", selector.state().topology().nodes(), e.toString());
        }
    }

    /** Stops the background thread; probes in flight end with the channels. Idempotent. */
    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
