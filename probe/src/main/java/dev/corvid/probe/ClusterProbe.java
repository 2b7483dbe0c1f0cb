package dev.corvid.probe;

import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Every node of a cluster, master first, each through a {@link NodeProbe}: what a test or a
 * benchmark asks the nodes themselves, beside the client it tests, and the waits on replication.
 * Closing it closes every node's channel. Safe for use by several threads.
 *
 * <pre>
 * Map&lt;String, String&gt; addresses = new LinkedHashMap&lt;&gt;();   // the master first
 * addresses.put("A", "127.0.0.1:7001");
 * addresses.put("B", "127.0.0.1:7002");
 * try (ClusterProbe probe = new ClusterProbe(addresses)) {
 *     ByteString etag = probe.node("A").documents().put(...).getResults(0).getEtag();
 *     probe.awaitApplied(etag, Duration.ofSeconds(30));   // B now serves that version
 * }
 * </pre>
 */
public final class ClusterProbe implements AutoCloseable {

    /** How often the waits ask. */
    private static final Duration POLL = Duration.ofMillis(10);
    /** Each replica gets at least this long, even after the ones before it used up the deadline (it may just have caught up). */
    private static final Duration MIN_WAIT = Duration.ofMillis(1);

    private final Map<String, NodeProbe> nodes = new LinkedHashMap<>();

    /**
     * @param addresses node name to {@code host:port}, the master first in the map's iteration
     *                  order (a {@link LinkedHashMap}; not {@code Map.of}, whose order is
     *                  unspecified); the other nodes are its replicas
     */
    public ClusterProbe(Map<String, String> addresses) {
        this(addresses, NodeProbe.DEFAULT_CALL_DEADLINE);
    }

    /** Like {@link #ClusterProbe(Map)}, every call failing {@code DEADLINE_EXCEEDED} after {@code callDeadline}. */
    public ClusterProbe(Map<String, String> addresses, Duration callDeadline) {
        this(addresses, callDeadline, io.grpc.InsecureChannelCredentials.create());
    }

    /** Like {@link #ClusterProbe(Map, Duration)}, every call made with {@code credentials} (e.g. TLS). */
    public ClusterProbe(Map<String, String> addresses, Duration callDeadline, io.grpc.ChannelCredentials credentials) {
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("a cluster has at least a master: no node given");
        }
        addresses.forEach((name, address) -> nodes.put(name, new NodeProbe(name, address, callDeadline, credentials)));
    }

    /** Every node's name, the master first. */
    public List<String> nodes() {
        return List.copyOf(nodes.keySet());
    }

    public String master() {
        return nodes.keySet().iterator().next();
    }

    /** The replicas' names, in the order the constructor got them. */
    public List<String> replicas() {
        List<String> all = nodes();
        return all.subList(1, all.size());
    }

    /** @throws IllegalArgumentException for a name that is not one of {@link #nodes()} */
    public NodeProbe node(String name) {
        NodeProbe node = nodes.get(name);
        if (node == null) {
            throw new IllegalArgumentException("no node " + name + " in the cluster " + nodes.keySet());
        }
        return node;
    }

    /**
     * Waits until every replica has applied the master's change {@code masterEtag} (or a later
     * one), so each serves that version of the document it wrote, or a later one.
     *
     * @throws ConditionTimeoutException when one has not within {@code deadline}
     */
    public void awaitApplied(ByteString masterEtag, Duration deadline) {
        awaitApplied(masterEtag, replicas(), deadline);
    }

    /**
     * Like {@link #awaitApplied(String, Duration)} for the given replicas only (e.g. those
     * running), each by its own Stats. A replica that does not answer is waited for until the
     * deadline.
     *
     * @throws ConditionTimeoutException when one has not within {@code deadline}, counted for all together
     */
    public void awaitApplied(ByteString masterEtag, Collection<String> replicas, Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        for (String replica : replicas) {
            NodeProbe node = node(replica);
            await("replica " + replica + " applied the master's change " + MasterEtags.text(masterEtag))
                    .atMost(Duration.ofNanos(Math.max(MIN_WAIT.toNanos(), end - System.nanoTime())))
                    .pollInSameThread().pollDelay(Duration.ZERO).pollInterval(POLL).ignoreExceptions()
                    .until(() -> node.hasApplied(masterEtag));
        }
    }

    /**
     * Waits until the master reports every replica connected with no change behind, by the
     * master's Topology (a replica it reports diverged never counts caught up).
     *
     * @throws ConditionTimeoutException when they have not within {@code deadline}
     */
    public void awaitReplicasCaughtUp(Duration deadline) {
        await("replicas caught up with the master")
                .atMost(deadline).pollInSameThread().pollDelay(Duration.ZERO).pollInterval(POLL).ignoreExceptions()
                .until(() -> node(currentMaster()).topology().getReplicasList().stream()
                        .allMatch(r -> r.getConnected() && r.hasChangesBehind() && r.getChangesBehind() == 0));
    }

    /**
     * The master of the newest epoch any answering node names (with a Raft-decided master it moves
     * with each promotion); the first node when none answers.
     */
    public String currentMaster() {
        String best = master();
        long bestEpoch = -1;
        for (String name : nodes()) {
            try {
                dev.corvid.proto.ClusterTopology t = node(name).topology();
                if (t.getEpoch() > bestEpoch && nodes.containsKey(t.getMaster().getName())) {
                    bestEpoch = t.getEpoch();
                    best = t.getMaster().getName();
                }
            } catch (RuntimeException e) {
                // down: ask the next
            }
        }
        return best;
    }

    @Override
    public void close() {
        nodes.values().forEach(NodeProbe::close);
    }
}
