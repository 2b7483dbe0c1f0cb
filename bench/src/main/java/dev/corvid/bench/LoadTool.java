package dev.corvid.bench;

import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.StatsRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Drives one node with concurrent clients and prints one line per phase:
 * {@code RESULT store=corvid phase=<phase> ops=<n> secs=<s> ops_per_s=<x> p50_ms=<x> p99_ms=<x> conflicts=<n> errors=<n>}.
 *
 * <p>Phases: {@code insert} puts every document once with the must-not-exist check (durable: each
 * put is acknowledged only after its log record is synced); {@code get} loads random documents
 * for a fixed time.
 */
@Command(name = "corvid-load", mixinStandardHelpOptions = true,
        description = "Load tool for a Corvid node: durable inserts, then random gets.")
public final class LoadTool implements Callable<Integer> {

    @Option(names = "--target", defaultValue = "127.0.0.1:7001", description = "Node address (default: ${DEFAULT-VALUE}).")
    String target;

    @Option(names = "--threads", defaultValue = "32", description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--docs", defaultValue = "10000", description = "Documents to insert (default: ${DEFAULT-VALUE}).")
    int docs;

    @Option(names = "--duration", defaultValue = "20", description = "Seconds of a timed phase (default: ${DEFAULT-VALUE}).")
    int duration;

    @Option(names = "--phases", defaultValue = "insert,get", split = ",",
            description = "Phases to run, in order: insert, get, ping, lag (default: ${DEFAULT-VALUE}).")
    List<String> phases;

    @Option(names = "--prefix", description = "Id prefix (default: a fresh one per run, so inserts never collide).")
    String prefix;

    @Option(names = "--warmup", defaultValue = "10",
            description = "Seconds of untimed inserts and gets first, so the JIT has compiled the hot paths "
                    + "on both sides (default: ${DEFAULT-VALUE}; 0 to skip).")
    int warmup;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LoadTool()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (prefix == null) {
            prefix = "bench-" + Long.toString(System.currentTimeMillis(), 36) + "/";
        }
        ManagedChannel channel = NettyChannelBuilder.forTarget(target).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            if (warmup > 0) {
                warmUp(channel, pool);
            }
            for (String phase : phases) {
                switch (phase) {
                    case "insert" -> report("insert", insert(channel, pool));
                    case "get" -> report("get", timedGets(channel, pool));
                    case "ping" -> report("ping", timedPings(channel, pool));
                    case "lag" -> report("lag", replicationLag(channel, pool));
                    default -> throw new CommandLine.ParameterException(new CommandLine(this), "unknown phase " + phase);
                }
            }
        } finally {
            pool.shutdownNow();
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        return 0;
    }

    private void warmUp(ManagedChannel channel, ExecutorService pool) throws Exception {
        String measuredPrefix = prefix;
        int measuredDocs = docs;
        int measuredDuration = duration;
        prefix = measuredPrefix + "warmup/";
        try {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup);
            docs = 2_000;
            duration = Math.max(1, warmup / 2);
            for (int round = 0; System.nanoTime() < end; round++) {
                prefix = measuredPrefix + "warmup-" + round + "/";
                insert(channel, pool);
                timedGets(channel, pool);
            }
        } finally {
            prefix = measuredPrefix;
            docs = measuredDocs;
            duration = measuredDuration;
        }
    }

    private static String document(int i) {
        String bio = "Bio of person " + i + ": " + "lorem ipsum dolor sit amet ".repeat(40);
        return "{\"name\":\"Person " + i + "\",\"age\":" + (18 + i % 60) + ",\"bio\":\"" + bio.substring(0, 900) + "\"}";
    }

    private Phase insert(ManagedChannel channel, ExecutorService pool) throws Exception {
        AtomicInteger next = new AtomicInteger();
        return run(pool, () -> {
            DocumentsGrpc.DocumentsBlockingStub stub = DocumentsGrpc.newBlockingStub(channel);
            Worker w = new Worker();
            for (int i = next.getAndIncrement(); i < docs; i = next.getAndIncrement()) {
                PutRequest put = PutRequest.newBuilder().setPut(PutCommand.newBuilder()
                        .setId(prefix + i)
                        .setMetadataJson("{\"@collection\":\"People\"}")
                        .setBodyJson(document(i))
                        .setExpectedEtag("00000000-0000-0000-0000-000000000000")).build();
                long t0 = System.nanoTime();
                try {
                    stub.withDeadlineAfter(30, TimeUnit.SECONDS).put(put);
                    w.latencies.add(System.nanoTime() - t0);
                } catch (StatusRuntimeException e) {
                    w.count(e);
                }
            }
            return w;
        });
    }

    private Phase timedGets(ManagedChannel channel, ExecutorService pool) throws Exception {
        return timed(pool, channel, stub -> {
            GetRequest get = GetRequest.newBuilder().addIds(prefix + ThreadLocalRandom.current().nextInt(docs)).build();
            return stub.withDeadlineAfter(30, TimeUnit.SECONDS).get(get).getResults(0).getFound();
        });
    }

    /** One call, repeated by every client for {@code duration} seconds; false counts as an error. */
    private interface Call {
        boolean run(DocumentsGrpc.DocumentsBlockingStub stub);
    }

    private Phase timed(ExecutorService pool, ManagedChannel channel, Call call) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(duration);
        return run(pool, () -> {
            DocumentsGrpc.DocumentsBlockingStub stub = DocumentsGrpc.newBlockingStub(channel);
            Worker w = new Worker();
            while (System.nanoTime() < end) {
                long t0 = System.nanoTime();
                try {
                    if (!call.run(stub)) {
                        w.errors++;
                    }
                    w.latencies.add(System.nanoTime() - t0);
                } catch (StatusRuntimeException e) {
                    w.count(e);
                }
            }
            return w;
        });
    }

    /**
     * Replication lag under write load: the clients insert for {@code duration} seconds while a
     * probe writes a marker to the master every 50 ms and polls every replica (learned from the
     * master's topology) every millisecond until the marker is there. One sample per marker and
     * replica: from the master's acknowledgement to the first read that sees it.
     */
    private Phase replicationLag(ManagedChannel channel, ExecutorService pool) throws Exception {
        List<String> replicas = DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .topology(dev.corvid.proto.TopologyRequest.getDefaultInstance())
                .getReplicasList().stream().map(dev.corvid.proto.ReplicaStatus::getAddress).toList();
        if (replicas.isEmpty()) {
            throw new IllegalStateException("the lag phase needs replicas; " + target + " has none");
        }
        List<ManagedChannel> replicaChannels = replicas.stream()
                .map(a -> (ManagedChannel) NettyChannelBuilder.forTarget(a).usePlaintext().build()).toList();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(duration);
        AtomicInteger next = new AtomicInteger();
        List<Future<Worker>> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            writers.add(pool.submit(() -> {
                DocumentsGrpc.DocumentsBlockingStub stub = DocumentsGrpc.newBlockingStub(channel);
                Worker w = new Worker();
                while (System.nanoTime() < end) {
                    int i = next.getAndIncrement();
                    try {
                        stub.withDeadlineAfter(30, TimeUnit.SECONDS).put(PutRequest.newBuilder().setPut(PutCommand.newBuilder()
                                .setId(prefix + "lag-load/" + i).setMetadataJson("{\"@collection\":\"People\"}")
                                .setBodyJson(document(i))).build());
                    } catch (StatusRuntimeException e) {
                        w.count(e);
                    }
                }
                return w;
            }));
        }
        Worker probe = new Worker();
        long start = System.nanoTime();
        DocumentsGrpc.DocumentsBlockingStub master = DocumentsGrpc.newBlockingStub(channel);
        double maxMs = 0;
        try {
            for (int m = 0; System.nanoTime() < end; m++) {
                long tick = System.nanoTime();
                String id = prefix + "lag-marker/" + m;
                master.withDeadlineAfter(30, TimeUnit.SECONDS).put(PutRequest.newBuilder().setPut(PutCommand.newBuilder()
                        .setId(id).setBodyJson("{\"marker\":" + m + "}")).build());
                long acked = System.nanoTime();
                for (ManagedChannel replica : replicaChannels) {
                    DocumentsGrpc.DocumentsBlockingStub stub = DocumentsGrpc.newBlockingStub(replica);
                    GetRequest get = GetRequest.newBuilder().addIds(id).build();
                    while (!stub.withDeadlineAfter(10, TimeUnit.SECONDS).get(get).getResults(0).getFound()) {
                        if (System.nanoTime() - acked > TimeUnit.SECONDS.toNanos(30)) {
                            throw new IllegalStateException("marker " + id + " did not reach a replica within 30 s");
                        }
                        TimeUnit.MICROSECONDS.sleep(1000);
                    }
                    long lag = System.nanoTime() - acked;
                    probe.latencies.add(lag);
                    maxMs = Math.max(maxMs, lag / 1e6);
                }
                long wait = TimeUnit.MILLISECONDS.toNanos(50) - (System.nanoTime() - tick);
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
            }
        } finally {
            Phase load = new Phase();
            for (Future<Worker> f : writers) {
                load.add(f.get());
            }
            replicaChannels.forEach(ManagedChannel::shutdownNow);
            System.out.printf(Locale.ROOT, "INFO phase=lag replicas=%s load_writes=%d max_ms=%.2f%n",
                    String.join(",", replicas), next.get(), maxMs);
        }
        Phase phase = new Phase();
        phase.add(probe);
        phase.seconds = (System.nanoTime() - start) / 1e9;
        return phase;
    }

    /** The transport's own cost: the node's Stats call, which touches no document. */
    private Phase timedPings(ManagedChannel channel, ExecutorService pool) throws Exception {
        return timed(pool, channel, stub -> {
            stub.withDeadlineAfter(30, TimeUnit.SECONDS).stats(StatsRequest.getDefaultInstance());
            return true;
        });
    }

    private Phase run(ExecutorService pool, Callable<Worker> work) throws Exception {
        long start = System.nanoTime();
        List<Future<Worker>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(pool.submit(work));
        }
        Phase phase = new Phase();
        for (Future<Worker> f : futures) {
            phase.add(f.get());
        }
        phase.seconds = (System.nanoTime() - start) / 1e9;
        return phase;
    }

    private static void report(String name, Phase p) {
        long[] sorted = p.latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        System.out.printf(Locale.ROOT,
                "RESULT store=corvid phase=%s ops=%d secs=%.2f ops_per_s=%.0f p50_ms=%.2f p99_ms=%.2f conflicts=%d errors=%d%n",
                name, sorted.length, p.seconds, sorted.length / p.seconds, percentile(sorted, 0.50),
                percentile(sorted, 0.99), p.conflicts, p.errors);
    }

    private static double percentile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }

    private static final class Worker {
        final List<Long> latencies = new ArrayList<>();
        long conflicts;
        long errors;

        void count(StatusRuntimeException e) {
            if (e.getStatus().getCode() == io.grpc.Status.Code.ABORTED) {
                conflicts++;
            } else {
                errors++;
            }
        }
    }

    private static final class Phase {
        final List<Long> latencies = new ArrayList<>();
        long conflicts;
        long errors;
        double seconds;

        void add(Worker w) {
            latencies.addAll(w.latencies);
            conflicts += w.conflicts;
            errors += w.errors;
        }
    }
}
