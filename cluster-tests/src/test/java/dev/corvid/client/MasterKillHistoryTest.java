package dev.corvid.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.node.cli.ConsistencyReport;
import dev.corvid.testing.CorvidTestCluster;
import dev.corvid.probe.ClusterProbe;
import dev.corvid.probe.MultiProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Jepsen-style history on real node processes with {@code "failover": "automatic"}: writers save
 * through the client the whole time, some with one replica's write assurance and one without,
 * while {@code kill -9} takes whichever node is master, again and again (3 times in {@code mvn
 * verify}, 50 with {@code -Pdrills}); the killed node restarts and catches up before the next kill.
 * Each writer records every value it tried and the last one acknowledged per id. At the end:
 * <ul>
 *   <li>every node holds what the master holds ({@code ConsistencyCheck}, conflicts apart);</li>
 *   <li>every acknowledged save, with assurance or without, is on the master: as its document (a
 *       counter at least the acknowledged one) or as a version of an open conflict (an old master's
 *       unacknowledged tail may meet a later write of the same id, and both are kept);</li>
 *   <li>nothing was invented: every counter the master holds, in a document or a conflict, is one
 *       its writer tried for that id, and the master holds no id no writer tried.</li>
 * </ul>
 */
@MultiProcess
class MasterKillHistoryTest {

    private static final int KILLS = Integer.getInteger("corvid.history.kills", 3);
    private static final int ASSURED_WRITERS = 2;
    private static final int PLAIN_WRITERS = 1;
    private static final int IDS_PER_WRITER = 40;
    private static final Duration DEADLINE = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    /** The document each writer overwrites: its counter is the writer's sequence number. */
    public static final class Entry {
        private long counter;

        public Entry() {
        }

        Entry(long counter) {
            this.counter = counter;
        }

        public long getCounter() {
            return counter;
        }

        public void setCounter(long counter) {
            this.counter = counter;
        }
    }

    /** What one writer tried and what it was told succeeded. */
    private static final class History {
        final boolean assured;
        final Map<String, Set<Long>> tried = new ConcurrentHashMap<>();
        final Map<String, Long> acknowledged = new ConcurrentHashMap<>();
        final AtomicInteger acks = new AtomicInteger();
        final AtomicInteger failures = new AtomicInteger();

        History(boolean assured) {
            this.assured = assured;
        }
    }

    @Test
    void killingTheMasterAgainAndAgain_losesNoAcknowledgedSave_inventsNothing_andEveryNodeConverges() throws Exception {
        try (CorvidTestCluster cluster = CorvidTestCluster.builder().directory(dir.resolve("cluster")).nodes(3).failover("automatic")
                // A load test: the optimizing compiler, so a restarted node catches up under the writers.
                .jvmArgs("-XX:TieredStopAtLevel=4").start();
             ClusterProbe probe = new ClusterProbe(cluster.addresses());
             DocumentStore store = new DocumentStore(cluster.address("A"), cluster.address("B"), cluster.address("C"))) {
            store.getConventions().setTopologyCacheDirectory(dir.resolve("topology"));
            store.initialize();

            List<History> histories = new ArrayList<>();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong lastAck = new AtomicLong();
            // When the latest save acknowledged so far was started: one started after a kill went to the new master.
            AtomicLong lastAckedStart = new AtomicLong();
            ExecutorService pool = Executors.newFixedThreadPool(ASSURED_WRITERS + PLAIN_WRITERS);
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < ASSURED_WRITERS + PLAIN_WRITERS; w++) {
                History h = new History(w < ASSURED_WRITERS);
                histories.add(h);
                String prefix = (h.assured ? "assured/" : "plain/") + w + "/";
                writers.add(pool.submit(() -> write(store, prefix, h, running, lastAck, lastAckedStart)));
            }

            List<String> killed = new ArrayList<>();
            List<Long> unavailableMs = new ArrayList<>();
            try {
                for (int k = 0; k < KILLS; k++) {
                    int acksBefore = totalAcks(histories);
                    await("saves go on before kill " + (k + 1)).atMost(DEADLINE).until(() -> totalAcks(histories) >= acksBefore + 20);
                    String master = probe.currentMaster();
                    long before = lastAck.get();
                    long killedAt = System.nanoTime();
                    cluster.kill(master);
                    await("a save started after killing master " + master + " is acknowledged").atMost(Duration.ofSeconds(30))
                            .pollInterval(Duration.ofMillis(10)).until(() -> lastAckedStart.get() > killedAt);
                    unavailableMs.add(TimeUnit.NANOSECONDS.toMillis(lastAck.get() - before));
                    killed.add(master);
                    cluster.restart(master);
                    probe.awaitReplicasCaughtUp(DEADLINE);
                }
            } finally {
                running.set(false);
                for (Future<?> f : writers) {
                    f.get(60, TimeUnit.SECONDS);
                }
                pool.shutdownNow();
            }
            System.out.printf("history: %d kills (%s), writes unavailable per kill %s ms; saves acknowledged %d, failed %d%n",
                    KILLS, killed, unavailableMs, totalAcks(histories),
                    histories.stream().mapToInt(h -> h.failures.get()).sum());

            probe.awaitReplicasCaughtUp(DEADLINE);
            ConsistencyReport report = await("every node holds what the master holds").atMost(DEADLINE)
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> cluster.checkConsistency(Duration.ofSeconds(10)),
                            ConsistencyReport::consistent);

            Set<String> triedIds = new HashSet<>();
            int conflicts = 0;
            for (History h : histories) {
                triedIds.addAll(h.tried.keySet());
                for (Map.Entry<String, Set<Long>> e : h.tried.entrySet()) {
                    String id = e.getKey();
                    Long acked = h.acknowledged.get(id);
                    List<Long> held = onMaster(store, id);
                    if (held.size() > 1) {
                        conflicts++;
                    }
                    if (acked != null) {
                        assertTrue(held.stream().anyMatch(c -> c >= acked), (h.assured ? "assured" : "plain") + " save of '"
                                + id + "' acknowledged at counter " + acked + " is lost: the master holds " + held);
                    }
                    for (long c : held) {
                        assertTrue(e.getValue().contains(c), "'" + id + "' holds counter " + c + ", which no writer tried: "
                                + held);
                    }
                }
            }
            long live = report.replicas().get(0).liveDocuments();
            assertTrue(live <= triedIds.size(), "the master holds " + live + " documents, but writers tried only "
                    + triedIds.size() + " ids");
            assertEquals(report.openConflicts(), conflicts, "open conflicts the check counts and the loads see");
            System.out.printf("history: %d ids checked, none lost, none invented; %d open conflicts%n", triedIds.size(), conflicts);
        }
    }

    private static int totalAcks(List<History> histories) {
        return histories.stream().mapToInt(h -> h.acks.get()).sum();
    }

    /** One writer: overwrites its ids in turn with a growing counter until told to stop. */
    private static void write(DocumentStore store, String prefix, History h, AtomicBoolean running, AtomicLong lastAck,
                              AtomicLong lastAckedStart) {
        long seq = 0;
        while (running.get()) {
            seq++;
            long started = System.nanoTime();
            String id = prefix + (seq % IDS_PER_WRITER);
            h.tried.computeIfAbsent(id, x -> ConcurrentHashMap.newKeySet()).add(seq);
            try (DocumentSession session = store.openSession()) {
                if (h.assured) {
                    session.advanced().waitForReplicationAfterSaveChanges(o -> o.numberOfReplicas(1)
                            .withTimeout(Duration.ofSeconds(5)));
                }
                session.store(new Entry(seq), id);
                session.saveChanges();
                h.acknowledged.put(id, seq);
                h.acks.incrementAndGet();
                lastAck.set(System.nanoTime());
                lastAckedStart.accumulateAndGet(started, Math::max);
            } catch (RuntimeException e) {
                h.failures.incrementAndGet(); // e.g. no master yet: try again shortly, as an application would
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
        }
    }

    /** The counters the master holds for {@code id}: its document's, or each live version of its conflict. */
    private static List<Long> onMaster(DocumentStore store, String id) {
        try (DocumentSession session = store.openSession(new SessionOptions().setForceReadFromMaster(true))) {
            Entry e = session.load(Entry.class, id);
            return e == null ? List.of() : List.of(e.getCounter());
        } catch (ConflictException c) {
            return c.getVersions().stream().filter(v -> !v.isDeleted()).map(v -> v.getBody().path("counter").asLong()).toList();
        }
    }
}
