package dev.corvid.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corvid.client.DocumentStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Replication lag, idle or under load: while the client threads run {@code cas} (or nothing), a probe writes a marker
 * to the master every 50 ms and polls every replica every millisecond until the marker is
 * there, each replica from a thread of its own. One sample per marker and replica: from the
 * master's acknowledgement (the write is durable there) to the first read on the replica that
 * sees it.
 */
final class LagProbe {

    private static final long INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** The load that runs while the probe measures. */
    interface Workload {
        Recorder until(long endNanos) throws Exception;
    }

    private final BenchCluster cluster;
    private final String prefix;

    LagProbe(BenchCluster cluster, String prefix) {
        this.cluster = cluster;
        this.prefix = prefix + "lag/";
    }

    /** The lag with nothing else running: the replication path's own latency. */
    String runIdle(int seconds) throws Exception {
        long start = System.nanoTime();
        Recorder lag = probe(start + TimeUnit.SECONDS.toNanos(seconds));
        double secs = (System.nanoTime() - start) / 1e9;
        return lag.resultLine("lag-idle", secs, String.format(Locale.ROOT, "p90_ms=%.2f max_ms=%.2f",
                lag.percentileMs(0.90), lag.maxMs()));
    }

    String run(int seconds, Workload load) throws Exception {
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        CompletableFuture<Recorder> background = CompletableFuture.supplyAsync(() -> {
            try {
                return load.until(end);
            } catch (Exception e) {
                throw new IllegalStateException("the cas load failed", e);
            }
        });
        Recorder lag = probe(end);
        Recorder cas = background.get();
        double secs = (System.nanoTime() - start) / 1e9;
        return lag.resultLine("lag", secs, String.format(Locale.ROOT,
                "p90_ms=%.2f max_ms=%.2f cas_ops_per_s=%.0f cas_p99_ms=%.2f",
                lag.percentileMs(0.90), lag.maxMs(), cas.successes() / secs, cas.percentileMs(0.99)));
    }

    private Recorder probe(long end) throws InterruptedException, ExecutionException {
        DocumentStore master = cluster.store();
        List<DocumentStore> replicas = cluster.replicaStores();
        ObjectNode metadata = master.getConventions().getObjectMapper().createObjectNode().put("@collection", "LagMarkers");
        Recorder lag = new Recorder();
        // A poller per replica, so that one replica's reads never delay the other's sample.
        ExecutorService pollers = Executors.newFixedThreadPool(replicas.size(), task -> {
            Thread t = new Thread(task, "lag-poller");
            t.setDaemon(true);
            return t;
        });
        try {
            for (int m = 0; System.nanoTime() < end; m++) {
                long tick = System.nanoTime();
                String id = prefix + m;
                try {
                    master.getDatabaseCommands().put(id, null,
                            master.getConventions().getObjectMapper().createObjectNode().put("marker", m), metadata);
                } catch (RuntimeException e) {
                    lag.errors++;
                    Bench.reportFirst(lag, "lag marker " + id, e);
                    continue;
                }
                long acked = System.nanoTime();
                List<Future<Long>> seen = new ArrayList<>(replicas.size());
                for (DocumentStore replica : replicas) {
                    seen.add(pollers.submit(() -> waitFor(replica, id, acked)));
                }
                for (int r = 0; r < seen.size(); r++) {
                    long nanos = seen.get(r).get();
                    if (nanos < 0) {
                        lag.errors++;
                        System.err.println("lag marker " + id + " did not reach " + replicas.get(r).getUrls() + " within 30 s");
                    } else {
                        lag.success(nanos);
                    }
                }
                long next = tick + INTERVAL_NANOS - System.nanoTime();
                if (next > 0) {
                    LockSupport.parkNanos(next);
                }
            }
        } finally {
            pollers.shutdownNow();
        }
        return lag;
    }

    /**
     * Polls a replica every millisecond until it has the marker.
     *
     * @return the nanoseconds from the acknowledgement to the read that saw it; -1 after 30 s
     */
    private static long waitFor(DocumentStore replica, String id, long acked) {
        while (!has(replica, id)) {
            if (System.nanoTime() - acked > GIVE_UP_NANOS) {
                return -1;
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
        return System.nanoTime() - acked;
    }

    /** Whether the replica has the marker; a failed read counts as "not yet" (the 30 s limit still applies). */
    private static boolean has(DocumentStore replica, String id) {
        try {
            return replica.getDatabaseCommands().get(id) != null;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
