package dev.corvid.node.consensus;

import dev.corvid.probe.Ports;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;

/**
 * Three (or more) in-process {@link Consensus} members A, B, C... on free loopback ports, each
 * with its own directory under {@code dir}; A is the bootstrap master. Records what each member's
 * listener saw, with when ({@link System#nanoTime()}).
 */
final class ConsensusGroup implements AutoCloseable {

    static final String CLUSTER = "consensus-test";

    /** One listener call: the state and when it came. */
    record Seen(ClusterEpoch state, long atNanos) {
    }

    private final Path dir;
    private final FailoverMode mode;
    private final ConsensusSettings settings;
    private final Map<String, InetSocketAddress> peers = new LinkedHashMap<>();
    private final Map<String, Consensus> running = new ConcurrentHashMap<>();
    private final Map<String, List<Seen>> seen = new ConcurrentHashMap<>();
    /** What the {@link Candidates} of every member answer; tests change it. */
    final Map<String, Long> positions = new ConcurrentHashMap<>();

    ConsensusGroup(Path dir, int size, FailoverMode mode, ConsensusSettings settings) {
        this.dir = dir;
        this.mode = mode;
        this.settings = settings;
        List<Integer> ports = Ports.freePorts(size);
        for (int i = 0; i < size; i++) {
            String name = String.valueOf((char) ('A' + i));
            peers.put(name, new InetSocketAddress(InetAddress.getLoopbackAddress(), ports.get(i)));
        }
        peers.keySet().forEach(this::start);
    }

    /** Starts (or restarts, from its directory) member {@code name}. */
    Consensus start(String name) {
        Consensus c = new Consensus(CLUSTER, name, peers, dir.resolve(name), "A", mode, settings,
                () -> Map.copyOf(positions));
        List<Seen> mine = seen.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>());
        c.addListener(state -> mine.add(new Seen(state, System.nanoTime())));
        c.start();
        running.put(name, c);
        return c;
    }

    Consensus node(String name) {
        Consensus c = running.get(name);
        if (c == null) {
            throw new IllegalStateException(name + " is not running");
        }
        return c;
    }

    /** Closes member {@code name} (its death, as far as the others can tell); returns how long closing took. */
    long stopMillis(String name) {
        long start = System.nanoTime();
        running.remove(name).close();
        return (System.nanoTime() - start) / 1_000_000;
    }

    List<Seen> seen(String name) {
        return seen.getOrDefault(name, List.of());
    }

    Iterable<String> runningNames() {
        return running.keySet();
    }

    /**
     * Asks the Raft group to make {@code name} its leader (not the master): the worst case for a
     * failover. Asked again when another transfer got in first (a master that leads hands the
     * leadership away on its own, to whichever node it picks).
     */
    void makeRaftLeader(String name) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            try {
                transferLeadership(name);
                return;
            } catch (IOException e) { // TransferLeadershipException among them
                last = e;
            }
        }
        throw last;
    }

    private void transferLeadership(String name) throws IOException {
        RaftGroup group = RaftGroup.valueOf(RaftGroupId.valueOf(UUID.nameUUIDFromBytes(
                CLUSTER.getBytes(StandardCharsets.UTF_8))), peers.entrySet().stream()
                .map(e -> RaftPeer.newBuilder().setId(e.getKey()).setAddress(e.getValue()).build()).toList());
        try (RaftClient client = RaftClient.newBuilder().setRaftGroup(group).setProperties(new RaftProperties())
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(50, TimeDuration.valueOf(100,
                        TimeUnit.MILLISECONDS))).build()) {
            RaftClientReply reply = client.admin().transferLeadership(RaftPeerId.valueOf(name), 5_000);
            if (!reply.isSuccess()) {
                throw new IOException("leadership not transferred to " + name + ": " + reply);
            }
        }
    }

    /** Closes every running member, all at once (each close takes up to a second). */
    @Override
    public void close() {
        running.values().parallelStream().forEach(Consensus::close);
        running.clear();
    }
}
