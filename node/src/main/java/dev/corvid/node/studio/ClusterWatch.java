package dev.corvid.node.studio;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.wire.WireEtag;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.ReplicaStatus;
import dev.corvid.proto.StatsRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Asks every node for its stats once per interval, all at once, and keeps what the Studio shows:
 * the latest view of each node (its state, counts and, for a replica, the lag its master knows)
 * and the history of the last {@link #WINDOW} (rates, lag, and the moments a node went down or
 * came back).
 */
final class ClusterWatch implements AutoCloseable {

    /** How much history the Studio keeps and charts. */
    static final Duration WINDOW = Duration.ofMinutes(10);
    /** The most chart marks ({@link Event}) kept. */
    private static final int MAX_EVENTS = 500;

    /** A node as one poll saw it. Counts are null when it did not answer. */
    record NodeView(String name, String role, String address, String state, String reason, Long epoch, Long documents,
                    String lastEtag, Long uptimeMs, Long readsServed, Long writesServed, Long failoverWrites,
                    Lag lag, List<String> collections) {

        boolean answered() {
            return documents != null;
        }
    }

    /** What the master knows of a replica's progress; fields null when it does not know. */
    record Lag(Long changes, Long ms, Boolean connected, String diverged) {
    }

    /** The cluster at one poll. */
    record Snapshot(long time, String master, long epoch, List<NodeView> nodes) {
    }

    /** One point of the history, per node. */
    record Point(boolean up, Double readsPerSec, Double writesPerSec, Long lagChanges, Long lagMs) {
    }

    record Sample(long t, Map<String, Point> nodes) {
    }

    /**
     * A mark on the charts: {@code node} went {@code "down"} or came {@code "up"}, or became
     * {@code "master"} of a newer epoch ({@code epoch} set; null otherwise).
     */
    record Event(long t, String node, String event, Long epoch) {
    }

    private final ClusterConfig cluster;
    private final boolean details;
    private final Function<NodeConfig, ManagedChannel> channels;
    private final Map<String, ManagedChannel> open = new LinkedHashMap<>();
    private final Duration interval;
    private final ScheduledExecutorService timer;
    private final ExecutorService askers;
    private final Deque<Sample> samples = new ArrayDeque<>();
    private final Deque<Event> events = new ArrayDeque<>();
    /** The newest epoch any node has answered with as master; 0 before one has. */
    private long newestEpoch;
    private Snapshot latest;

    /**
     * @param details whether the nodes tell this caller their request counters and replicas'
     *                progress (a TLS node tells an admin only); without them those stay unknown
     *                (null), not 0
     */
    ClusterWatch(ClusterConfig cluster, Function<NodeConfig, ManagedChannel> channels, Duration interval, boolean details) {
        this.cluster = cluster;
        this.details = details;
        this.channels = channels;
        this.interval = interval;
        for (NodeConfig n : cluster.nodes()) {
            open.put(n.name(), channels.apply(n));
        }
        this.askers = Executors.newFixedThreadPool(cluster.nodes().size(), daemon("corvid-studio-stats"));
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("corvid-studio-watch"));
    }

    /** Whether the nodes tell this watch their counters and replicas' progress. */
    boolean details() {
        return details;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }

    /** Takes the first snapshot now, then one per interval. */
    ClusterWatch start() {
        poll();
        timer.scheduleWithFixedDelay(this::pollQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    Duration interval() {
        return interval;
    }

    synchronized Snapshot latest() {
        return latest;
    }

    synchronized List<Sample> samples() {
        return List.copyOf(samples);
    }

    synchronized List<Event> events() {
        return List.copyOf(events);
    }

    /** The channel to node {@code name}, kept open for the Studio's life. */
    ManagedChannel channel(String name) {
        ManagedChannel channel = open.get(name);
        if (channel == null) {
            throw new IllegalArgumentException("no node '" + name + "' in the cluster config");
        }
        return channel;
    }

    private void pollQuietly() {
        try {
            poll();
        } catch (RuntimeException e) {
            // the next poll tries again; a poll that failed as a whole has nothing to show
        }
    }

    /** Asks every node at once, each with a deadline of the interval (at least 1 s). */
    void poll() {
        long deadlineMs = Math.max(1000, interval.toMillis());
        Map<String, CompletableFuture<Answer>> asked = new LinkedHashMap<>();
        for (NodeConfig n : cluster.nodes()) {
            asked.put(n.name(), CompletableFuture.supplyAsync(() -> ask(n, deadlineMs), askers));
        }
        Map<String, Answer> answers = new LinkedHashMap<>();
        asked.forEach((name, f) -> answers.put(name, f.join()));
        record(System.currentTimeMillis(), answers);
    }

    /** A node's answer: its stats, or the status of the call that failed. */
    private record Answer(NodeStats stats, Status.Code failure) {
    }

    private Answer ask(NodeConfig node, long deadlineMs) {
        try {
            return new Answer(DocumentsGrpc.newBlockingStub(channel(node.name()))
                    .withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS).stats(StatsRequest.getDefaultInstance()), null);
        } catch (StatusRuntimeException e) {
            return new Answer(null, e.getStatus().getCode());
        }
    }

    private synchronized void record(long now, Map<String, Answer> answers) {
        // The master: the node that answers as master in the newest epoch; else the config's.
        String master = cluster.master().name();
        long epoch = 0;
        for (Answer a : answers.values()) {
            if (a.stats() != null && a.stats().getRole().equals("master") && a.stats().getEpoch() >= epoch) {
                epoch = a.stats().getEpoch();
                master = a.stats().getNodeName();
            }
        }
        Optional<NodeStats> masterStats = Optional.ofNullable(answers.get(master)).map(Answer::stats);
        List<NodeView> views = new ArrayList<>();
        for (NodeConfig n : cluster.nodes()) {
            views.add(view(n, answers.get(n.name()), n.name().equals(master), masterStats, details));
        }
        Snapshot previous = latest;
        latest = new Snapshot(now, master, epoch, List.copyOf(views));
        if (previous != null && epoch > newestEpoch && newestEpoch > 0) {
            event(new Event(now, master, "master", epoch));
        }
        newestEpoch = Math.max(newestEpoch, epoch);
        Map<String, Point> points = new LinkedHashMap<>();
        for (NodeView v : views) {
            NodeView before = previous == null ? null : previous.nodes().stream()
                    .filter(p -> p.name().equals(v.name())).findFirst().orElse(null);
            double seconds = previous == null ? 0 : (now - previous.time()) / 1000.0;
            points.put(v.name(), new Point(v.answered(), rate(before, v, NodeView::readsServed, seconds),
                    rate(before, v, NodeView::writesServed, seconds), v.lag() == null ? null : v.lag().changes(),
                    v.lag() == null ? null : v.lag().ms()));
            if (before != null && before.answered() != v.answered()) {
                event(new Event(now, v.name(), v.answered() ? "up" : "down", null));
            }
        }
        samples.addLast(new Sample(now, points));
        while (!samples.isEmpty() && samples.peekFirst().t() < now - WINDOW.toMillis()) {
            samples.removeFirst();
        }
    }

    private void event(Event e) {
        events.addLast(e);
        while (events.size() > MAX_EVENTS) {
            events.removeFirst();
        }
    }

    private static Double rate(NodeView before, NodeView now, Function<NodeView, Long> counter, double seconds) {
        if (before == null || seconds <= 0 || counter.apply(before) == null || counter.apply(now) == null) {
            return null;
        }
        return Math.max(0, counter.apply(now) - counter.apply(before)) / seconds;
    }

    private static NodeView view(NodeConfig node, Answer answer, boolean isMaster, Optional<NodeStats> master,
                                 boolean details) {
        Lag lag = isMaster ? null : lag(node, master);
        String role = isMaster ? "master" : "replica";
        if (answer == null || answer.stats() == null) {
            Status.Code code = answer == null ? Status.Code.UNKNOWN : answer.failure();
            String state = code == Status.Code.DEADLINE_EXCEEDED ? "NOT RESPONDING" : "DOWN";
            String reason = code == Status.Code.DEADLINE_EXCEEDED ? "takes connections but did not answer in time"
                    : code == Status.Code.UNAVAILABLE ? "does not take connections" : "its stats call failed: " + code;
            return new NodeView(node.name(), role, node.address(), state, reason, null, null, null, null, null, null, null,
                    lag, List.of());
        }
        NodeStats s = answer.stats();
        boolean serving = !s.getHealth().equals("NOT_SERVING");
        String state = !serving ? "NOT SERVING" : lag != null && lag.diverged() != null ? "DIVERGED" : "UP";
        String reason = !serving ? s.getHealthReason() : lag != null && lag.diverged() != null ? lag.diverged() : "";
        return new NodeView(node.name(), s.getRole().isEmpty() ? role : s.getRole(), node.address(), state, reason,
                s.getEpoch(), s.getDocumentCount(), s.getLastEtag().isEmpty() ? null : WireEtag.text(s.getLastEtag()),
                s.getUptimeMs(), details ? s.getReadsServed() : null, details ? s.getWritesServed() : null,
                details ? s.getFailoverWritesAccepted() : null, lag,
                List.copyOf(s.getCollectionsList()));
    }

    private static Lag lag(NodeConfig replica, Optional<NodeStats> master) {
        Optional<ReplicaStatus> seen = master.flatMap(m -> m.getReplicasList().stream()
                .filter(r -> r.getName().equals(replica.name())).findFirst());
        if (seen.isEmpty()) {
            return null;
        }
        ReplicaStatus r = seen.get();
        return new Lag(r.hasChangesBehind() ? r.getChangesBehind() : null, r.hasLagMs() ? r.getLagMs() : null,
                r.hasConnected() ? r.getConnected() : null, r.hasDiverged() ? r.getDiverged() : null);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        askers.shutdownNow();
        open.values().forEach(ManagedChannel::shutdownNow);
    }
}
