package dev.corvid.node.replication;

import com.google.protobuf.ByteString;
import dev.corvid.testing.CorvidTestCluster;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.ReplicaStatus;
import dev.corvid.probe.ClusterProbe;
import dev.corvid.probe.NodeProbe;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Measures replication lag on a real three-node cluster under write load (not a test; run by hand):
 * {@code java -cp <node test classpath> dev.corvid.node.replication.ReplicationLagProbe [writers] [seconds]}.
 *
 * <p>{@code writers} threads (default 32) put ~1 KB documents on the master as fast as it answers.
 * After a 10 s warm-up, every 50 ms a probe puts a marker on the master and, once the master acknowledged it, polls each
 * replica until the marker is there: the time from the acknowledgement to the first poll that sees
 * it is one lag sample (its resolution is one read round trip).
 */
public final class ReplicationLagProbe {

    /** Untimed seconds first, so the JIT has compiled the hot paths of every process. */
    private static final int WARMUP_SECONDS = 10;

    public static void main(String[] args) throws Exception {
        int writers = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        Path dir = Files.createTempDirectory("corvid-lag");
        try (CorvidTestCluster cluster = CorvidTestCluster.builder().directory(dir).nodes(3).start()) {
            run(cluster, writers, seconds);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void run(CorvidTestCluster cluster, int writers, int seconds) throws Exception {
        ClusterProbe nodes = new ClusterProbe(cluster.addresses());
        // The load on channels of its own, so that the probes' calls never queue behind it.
        List<ManagedChannel> writeChannels = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            writeChannels.add(NettyChannelBuilder.forTarget(cluster.address("A")).usePlaintext().build());
        }
        AtomicBoolean stop = new AtomicBoolean();
        LongAdder written = new LongAdder();
        String body = "{\"bio\":\"" + "x".repeat(1000) + "\"}";
        ExecutorService load = Executors.newFixedThreadPool(Math.max(1, writers));
        for (int w = 0; w < writers; w++) {
            int writer = w;
            load.submit(() -> {
                var docs = DocumentsGrpc.newBlockingStub(writeChannels.get(writer % writeChannels.size()));
                for (long i = 0; !stop.get(); i++) {
                    docs.withDeadlineAfter(30, TimeUnit.SECONDS).put(PutRequest.newBuilder().setPut(PutCommand
                            .newBuilder().setId("load/" + writer + "-" + (i % 5000)).setBodyJson(ByteString.copyFromUtf8(body))).build());
                    written.increment();
                }
                return null;
            });
        }

        Map<String, List<Long>> lagMicros = new ConcurrentHashMap<>();
        List.of("B", "C").forEach(r -> lagMicros.put(r, Collections.synchronizedList(new ArrayList<>())));
        List<Long> putMicros = Collections.synchronizedList(new ArrayList<>());
        List<Long> statsLagMs = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pollers = Executors.newFixedThreadPool(2);
        ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
        long warmupEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(WARMUP_SECONDS);
        long[] probe = {0};
        long started = System.nanoTime();
        long[] warm = new long[2];
        CountDownLatch done = new CountDownLatch(1);
        ticks.scheduleWithFixedDelay(() -> {
            if (System.nanoTime() - started > TimeUnit.SECONDS.toNanos(seconds + WARMUP_SECONDS)) {
                done.countDown();
                return;
            }
            String id = "probe/" + probe[0]++;
            long sent = System.nanoTime();
            nodes.node("A").documents().put(PutRequest.newBuilder().setPut(PutCommand.newBuilder().setId(id).setBodyJson(ByteString.copyFromUtf8("{}"))).build());
            long acked = System.nanoTime();
            boolean measure = acked > warmupEnd;
            if (measure) {
                putMicros.add((acked - sent) / 1000);
            }
            List<java.util.concurrent.Future<?>> polls = new ArrayList<>();
            for (String replica : List.of("B", "C")) {
                polls.add(pollers.submit(() -> {
                    NodeProbe node = nodes.node(replica);
                    while (node.find(id).isEmpty()) {
                        Thread.onSpinWait();
                    }
                    if (measure) {
                        lagMicros.get(replica).add((System.nanoTime() - acked) / 1000);
                    }
                }));
            }
            for (var f : polls) {
                try {
                    f.get();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            if (measure && probe[0] % 20 == 0) {
                NodeStats stats = nodes.node("A").stats();
                stats.getReplicasList().stream().map(ReplicaStatus::getLagMs).forEach(statsLagMs::add);
            }
        }, 0, 50, TimeUnit.MILLISECONDS);
        Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "warmup-mark");
            t.setDaemon(true);
            return t;
        }).schedule(() -> {
            warm[0] = written.sum();
            warm[1] = System.nanoTime();
        }, WARMUP_SECONDS, TimeUnit.SECONDS);
        done.await();
        long measured = written.sum() - warm[0];
        double secs = (System.nanoTime() - warm[1]) / 1e9;
        stop.set(true);
        ticks.shutdownNow();
        load.shutdown();
        load.awaitTermination(30, TimeUnit.SECONDS);
        pollers.shutdownNow();

        System.out.printf("%d writers, ~1 KB documents: %.0f writes/s on the master over %.0f s%n",
                writers, measured / secs, secs);
        for (String replica : List.of("B", "C")) {
            List<Long> s = new ArrayList<>(lagMicros.get(replica));
            Collections.sort(s);
            System.out.printf("replica %s: %d probes, lag after the master's ack p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                    replica, s.size(), pct(s, 50), pct(s, 90), pct(s, 99), s.isEmpty() ? 0 : s.get(s.size() - 1) / 1000.0);
        }
        List<Long> puts = new ArrayList<>(putMicros);
        Collections.sort(puts);
        System.out.printf("probe put on the master (send to ack): p50 %.2f ms, p99 %.2f ms%n", pct(puts, 50), pct(puts, 99));
        List<Long> st = new ArrayList<>(statsLagMs);
        Collections.sort(st);
        if (!st.isEmpty()) {
            System.out.printf("master stats lag_ms samples: %d, p50 %d, max %d%n", st.size(), st.get(st.size() / 2),
                    st.get(st.size() - 1));
        }
        writeChannels.forEach(ManagedChannel::shutdownNow);
        nodes.close();
    }

    private static double pct(List<Long> sorted, int p) {
        if (sorted.isEmpty()) {
            return 0;
        }
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1)) / 1000.0;
    }
}
