package dev.corvid.bench;

import dev.corvid.client.DocumentSession;
import dev.corvid.client.Etag;
import dev.corvid.client.SessionOptions;
import dev.corvid.probe.NodeProbe;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * The failover drill: the client threads load random documents through a store with the default
 * failover behavior while the master is killed with {@code kill -9} and started again. Measures
 * the time from the kill to the first read a replica answered, how long the master took to serve
 * again (process start, recovery), and the time from then to the first read it answered. A read
 * that fails counts as an error: with failover none should.
 *
 * <p>{@value #READERS} reader threads, each starting a read every {@value #READ_INTERVAL_MICROS}
 * µs (a read every half millisecond in all), not the full client: with every core saturated by
 * readers, the restarting JVM would get a sliver of the CPU and the restart time would measure
 * the benchmark, not the node. Which node answered is told by the etag: its bytes 1-3 are the
 * node's tag.
 */
final class FailoverDrill {

    /** Runs a loop on every client thread and merges their tallies. */
    interface Threads {
        Recorder run(Bench.Work loop) throws Exception;
    }

    /** Reader threads during the drill. */
    static final int READERS = 4;
    /** Each reader starts a read this often (or as soon as its last one ends, when slower). */
    static final long READ_INTERVAL_MICROS = 2_000;
    private static final long NONE = Long.MAX_VALUE;
    /** How long the master may take to serve again after its restart began. */
    private static final Duration RESTART_DEADLINE = Duration.ofSeconds(120);
    /** Each "serving yet?" call gives up this soon, so a slow answer does not delay the next ask. */
    private static final Duration SERVING_CALL_DEADLINE = Duration.ofMillis(200);

    private final BenchCluster cluster;
    private final String restartCommand;
    private volatile boolean running = true;
    private volatile long killedAt = NONE;
    private volatile long servingAgainAt = NONE;
    private final AtomicLong firstReplicaRead = new AtomicLong(NONE);
    private final AtomicLong firstMasterReadAgain = new AtomicLong(NONE);
    private Optional<Double> masterPeakBeforeKill = Optional.empty();

    FailoverDrill(BenchCluster cluster, String restartCommand) {
        this.cluster = cluster;
        this.restartCommand = restartCommand;
    }

    Optional<Double> masterPeakBeforeKill() {
        return masterPeakBeforeKill;
    }

    String run(Supplier<String> ids, Threads threads) throws Exception {
        byte[] masterTag = masterTag(ids.get());
        long start = System.nanoTime();
        CompletableFuture<Recorder> readers = CompletableFuture.supplyAsync(() -> {
            try {
                return threads.run(r -> {
                    while (running) {
                        long next = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(READ_INTERVAL_MICROS);
                        readOnce(ids.get(), masterTag, r);
                        LockSupport.parkNanos(next - System.nanoTime());
                    }
                });
            } catch (Exception e) {
                throw new IllegalStateException("the readers failed", e);
            }
        });
        String outcome;
        try {
            outcome = drill();
        } finally {
            running = false;
        }
        Recorder r = readers.get();
        double secs = (System.nanoTime() - start) / 1e9;
        return r.resultLine("failover", secs, outcome);
    }

    private String drill() throws Exception {
        BenchCluster.Node master = cluster.master();
        TimeUnit.SECONDS.sleep(2); // reads running normally first
        masterPeakBeforeKill = cluster.peakRssMib(master);
        killedAt = System.nanoTime();
        cluster.kill(master);
        if (!awaitSet(firstReplicaRead, 30)) {
            return "to_replica_ms=none FAILED";
        }
        double toReplica = (firstReplicaRead.get() - killedAt) / 1e6;
        TimeUnit.SECONDS.sleep(1); // reads served by the replicas for a while
        long restartAt = System.nanoTime();
        CompletableFuture<Void> restart = CompletableFuture.runAsync(() -> {
            try {
                cluster.restart(master, restartCommand);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try (NodeProbe probe = new NodeProbe(master.name(), master.address(), SERVING_CALL_DEADLINE)) {
            probe.awaitServing(RESTART_DEADLINE);
        }
        servingAgainAt = System.nanoTime();
        restart.get(RESTART_DEADLINE.toSeconds(), TimeUnit.SECONDS);
        double restartMs = (servingAgainAt - restartAt) / 1e6;
        if (!awaitSet(firstMasterReadAgain, 30)) {
            return String.format(Locale.ROOT, "to_replica_ms=%.1f master_restart_ms=%.0f back_to_master_ms=none FAILED",
                    toReplica, restartMs);
        }
        double back = (firstMasterReadAgain.get() - servingAgainAt) / 1e6;
        TimeUnit.SECONDS.sleep(1);
        return String.format(Locale.ROOT, "to_replica_ms=%.1f master_restart_ms=%.0f back_to_master_ms=%.1f",
                toReplica, restartMs, back);
    }

    private void readOnce(String id, byte[] masterTag, Recorder r) {
        long t0 = System.nanoTime();
        try (DocumentSession session = cluster.store().openSession()) {
            Person p = session.load(Person.class, id);
            long done = System.nanoTime();
            if (p == null) {
                r.errors++;
                Bench.reportFirst(r, "read " + id, new IllegalStateException("document not found"));
                return;
            }
            r.success(done - t0);
            boolean fromMaster = Arrays.equals(tag(session.advanced().getEtagFor(p)), masterTag);
            if (!fromMaster && done > killedAt) {
                firstReplicaRead.accumulateAndGet(done, Math::min);
            }
            if (fromMaster && t0 > servingAgainAt) {
                firstMasterReadAgain.accumulateAndGet(done, Math::min);
            }
        } catch (RuntimeException e) {
            r.errors++;
            Bench.reportFirst(r, "read " + id, e);
        }
    }

    private byte[] masterTag(String id) {
        try (DocumentSession session = cluster.store().openSession(new SessionOptions().setForceReadFromMaster(true))) {
            Person p = session.load(Person.class, id);
            if (p == null) {
                throw new IllegalStateException("document " + id + " is not on the master");
            }
            return tag(session.advanced().getEtagFor(p));
        }
    }

    /** The node tag in an etag (bytes 1-3). */
    private static byte[] tag(Etag etag) {
        return Arrays.copyOfRange(etag.toByteArray(), 1, 4);
    }

    private static boolean awaitSet(AtomicLong value, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (value.get() == NONE) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(1);
        }
        return true;
    }

}
