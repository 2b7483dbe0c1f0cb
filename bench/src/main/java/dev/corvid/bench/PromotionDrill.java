package dev.corvid.bench;

import dev.corvid.client.DocumentSession;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code promotion} phase, on a cluster with {@code "failover": "automatic"}: writers save
 * through the client the whole time while the master is killed with {@code kill -9}, a number of
 * times in a row, each time whichever node is master then; the killed node is started again and
 * caught up before the next drill. Measures, per drill, how long writes were unavailable as the
 * client saw it: from the last save acknowledged before the kill to the first acknowledged of those
 * started after it (by the new master, found by the client on its own). Each save waits for one replica (write
 * assurance), as in the history test. Reports the median and the maximum
 * against the goal (p50 at most 2 s, max at most 5 s), and checks that every save the client saw
 * acknowledged is on the master at the end (the killed masters' last writes come back when they rejoin).
 */
final class PromotionDrill {

    static final int WRITERS = 4;
    /** Ids each writer overwrites in turn. */
    static final int IDS_PER_WRITER = 250;
    private static final long GOAL_P50_MS = 2_000;
    private static final long GOAL_MAX_MS = 5_000;

    private final BenchCluster cluster;
    private final String restartCommand;
    private final int drills;
    private final String prefix;

    PromotionDrill(BenchCluster cluster, String restartCommand, int drills, String prefix) {
        this.cluster = cluster;
        this.restartCommand = restartCommand;
        this.drills = drills;
        this.prefix = prefix;
    }

    String run() throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong lastAck = new AtomicLong();
        // When the latest save acknowledged so far was started: one started after the kill went to
        // the new master (a save the old master acknowledged just before dying may arrive after it).
        AtomicLong lastAckedStart = new AtomicLong();
        AtomicInteger errors = new AtomicInteger();
        AtomicInteger acknowledgedSaves = new AtomicInteger();
        // Each writer overwrites its own ids in turn, with a growing counter, so "acknowledged" is
        // checkable: the master's counter of an id must end at least at the last one acknowledged for it.
        java.util.Map<String, Long> acknowledged = new java.util.concurrent.ConcurrentHashMap<>();
        ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
        List<Future<?>> loops = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            loops.add(writers.submit(() -> {
                long seq = 0;
                while (running.get()) {
                    seq++;
                    String id = prefix + "promotion/" + writer + "/" + (seq % IDS_PER_WRITER);
                    long started = System.nanoTime();
                    Person p = Person.numbered(writer);
                    p.setCounter(seq);
                    try (DocumentSession session = cluster.store().openSession()) {
                        // As the history test: an acknowledged save is on a replica too, so the
                        // replica promoted has it (without assurance it could come back as a conflict).
                        session.advanced().waitForReplicationAfterSaveChanges(o -> o.numberOfReplicas(1)
                                .withTimeout(java.time.Duration.ofSeconds(5)));
                        session.store(p, id);
                        session.saveChanges();
                        lastAck.set(System.nanoTime());
                        lastAckedStart.accumulateAndGet(started, Math::max);
                        acknowledged.put(id, seq);
                        acknowledgedSaves.incrementAndGet();
                    } catch (RuntimeException e) {
                        errors.incrementAndGet();
                        sleepQuietly(10); // the master is gone: try again shortly, as an application would
                    }
                }
            }));
        }
        List<Long> gaps = new ArrayList<>();
        StringBuilder masters = new StringBuilder();
        try {
            for (int d = 0; d < drills; d++) {
                TimeUnit.MILLISECONDS.sleep(500); // writes flowing normally first
                String masterName = cluster.probe().currentMaster();
                BenchCluster.Node master = cluster.nodes().stream().filter(n -> n.name().equals(masterName)).findFirst()
                        .orElseThrow();
                long before = lastAck.get();
                long killed = System.nanoTime();
                cluster.kill(master);
                long deadline = killed + TimeUnit.SECONDS.toNanos(30);
                while (lastAckedStart.get() <= killed && System.nanoTime() < deadline) {
                    TimeUnit.MILLISECONDS.sleep(5);
                }
                if (lastAckedStart.get() <= killed) {
                    return "promotion drills=" + d + " FAILED: no write acknowledged within 30 s of killing " + masterName;
                }
                gaps.add((lastAck.get() - before) / 1_000_000);
                masters.append(masters.length() == 0 ? "" : ",").append(masterName);
                cluster.restart(master, restartCommand);
                cluster.probe().awaitReplicasCaughtUp(java.time.Duration.ofSeconds(120));
            }
        } finally {
            running.set(false);
            for (Future<?> f : loops) {
                f.get(30, TimeUnit.SECONDS);
            }
            writers.shutdownNow();
        }
        long lost = lost(acknowledged);
        List<Long> sorted = gaps.stream().sorted().toList();
        long p50 = sorted.get(sorted.size() / 2);
        long max = sorted.get(sorted.size() - 1);
        boolean ok = p50 <= GOAL_P50_MS && max <= GOAL_MAX_MS && lost == 0;
        return String.format(Locale.ROOT, "RESULT store=corvid phase=promotion drills=%d writes_unavailable_p50_ms=%d"
                        + " writes_unavailable_max_ms=%d goal_p50_ms=%d goal_max_ms=%d killed=%s all_ms=%s failed_saves=%d"
                        + " acknowledged=%d acknowledged_lost=%d%s",
                gaps.size(), p50, max, GOAL_P50_MS, GOAL_MAX_MS, masters, gaps, errors.get(), acknowledgedSaves.get(), lost,
                ok ? "" : " FAILED");
    }

    /** How many ids' last acknowledged save the current master does not have (a lower counter, or no document), once every node caught up. */
    private long lost(java.util.Map<String, Long> acknowledged) {
        cluster.probe().awaitReplicasCaughtUp(java.time.Duration.ofSeconds(120));
        List<String> all = new ArrayList<>(acknowledged.keySet());
        long lost = 0;
        for (int from = 0; from < all.size(); from += 256) {
            List<String> page = all.subList(from, Math.min(all.size(), from + 256));
            for (String id : page) {
                if (!present(id, acknowledged.get(id))) {
                    lost++;
                }
            }
        }
        return lost;
    }

    /**
     * Whether the master has {@code id} at counter {@code acked} or later: as its document, or as one
     * of the versions of a conflict (an old master's unacknowledged tail may meet a later write).
     */
    private boolean present(String id, long acked) {
        try (DocumentSession session = cluster.store().openSession(new dev.corvid.client.SessionOptions()
                .setForceReadFromMaster(true))) {
            Person p = session.load(Person.class, id);
            return p != null && p.getCounter() >= acked;
        } catch (dev.corvid.client.ConflictException e) {
            return e.getVersions().stream().anyMatch(v -> !v.isDeleted() && v.getBody().path("counter").asLong() >= acked);
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            TimeUnit.MILLISECONDS.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
