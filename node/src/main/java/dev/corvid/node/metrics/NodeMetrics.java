package dev.corvid.node.metrics;

import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.replication.ReplicaProgress;
import dev.corvid.node.replication.ReplicationStatus;
import dev.corvid.node.storage.Storage;
import dev.corvid.node.storage.StorageObserver;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The meters of one node, in a Prometheus registry (names as Micrometer writes them, e.g.
 * {@code corvid.log.sync} scraped as {@code corvid_log_sync_seconds}):
 * <ul>
 *   <li>{@code corvid.rpc.calls}: calls by method and code ({@link CallMetrics});</li>
 *   <li>{@code corvid.log.sync}: each force of the write-ahead log to disk (a histogram), with
 *       {@code corvid.log.sync.groups} and {@code corvid.log.sync.writes}: how many write groups
 *       and writes one force made durable (group commit);</li>
 *   <li>{@code corvid.write.batch.changes}: the document changes (puts and deletes) of each write
 *       the node logs: a client's batch, a replicated batch, a hand-back;</li>
 *   <li>{@code corvid.checkpoint}: each MapDB commit (the checkpoint a restart replays the log
 *       from), a histogram, with {@code corvid.checkpoint.documents}: the documents it wrote;</li>
 *   <li>{@code corvid.documents} and {@code corvid.tombstones}: live documents and the deletes
 *       the node keeps;</li>
 *   <li>{@code corvid.replication.lag.changes} and {@code corvid.replication.lag} (seconds), per
 *       {@code replica}: what this node, as master, knows of each replica (absent while it does not
 *       know);</li>
 *   <li>{@code corvid.process.memory.resident} by {@code kind} {@code anonymous} or {@code file}
 *       (Linux), and Micrometer's JVM memory, collector, thread, class, processor, uptime and file
 *       descriptor meters.</li>
 * </ul>
 * Every meter carries the tag {@code node} (its name).
 */
public final class NodeMetrics implements StorageObserver {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer syncs;
    private final DistributionSummary syncGroups;
    private final DistributionSummary syncWrites;
    private final DistributionSummary batchChanges;
    private final Timer checkpoints;
    private final DistributionSummary checkpointDocuments;

    /**
     * @param self        the node
     * @param storage     its storage (document count)
     * @param replication what it knows of its replicas' progress
     * @param others      the other nodes of its cluster, each a replica in some epoch
     */
    public NodeMetrics(NodeConfig self, Storage storage, ReplicationStatus replication, List<NodeConfig> others) {
        registry.config().commonTags("node", self.name());
        syncs = Timer.builder("corvid.log.sync").description("forces of the write-ahead log to disk")
                .publishPercentileHistogram().register(registry);
        syncGroups = DistributionSummary.builder("corvid.log.sync.groups")
                .description("write groups one log force made durable (group commit)").register(registry);
        syncWrites = DistributionSummary.builder("corvid.log.sync.writes")
                .description("writes one log force made durable").register(registry);
        batchChanges = DistributionSummary.builder("corvid.write.batch.changes")
                .description("document changes (puts and deletes) of one logged write").register(registry);
        checkpoints = Timer.builder("corvid.checkpoint")
                .description("MapDB commits: the checkpoint a restart replays the write-ahead log from")
                .publishPercentileHistogram().register(registry);
        checkpointDocuments = DistributionSummary.builder("corvid.checkpoint.documents")
                .description("distinct documents one MapDB commit wrote").register(registry);
        Gauge.builder("corvid.documents", storage, Storage::documentCount).description("live documents")
                .register(registry);
        Gauge.builder("corvid.tombstones", storage, Storage::tombstoneCount)
                .description("deleted documents whose tombstone the node keeps").register(registry);
        for (NodeConfig replica : others) {
            Gauge.builder("corvid.replication.lag.changes", replication,
                            known(replica, p -> p.changesBehind().isPresent() ? p.changesBehind().getAsLong() : Double.NaN))
                    .description("changes of this master the replica does not have yet").tag("replica", replica.name())
                    .register(registry);
            TimeGauge.builder("corvid.replication.lag", replication, TimeUnit.MILLISECONDS,
                            known(replica, p -> p.lagMillis().isPresent() ? p.lagMillis().getAsLong() : Double.NaN))
                    .description("age of the oldest change of this master the replica does not have yet")
                    .tag("replica", replica.name()).register(registry);
        }
        Gauge.builder("corvid.process.memory.resident", () -> status("RssAnon:")).baseUnit("bytes")
                .description("resident memory of the process").tag("kind", "anonymous").register(registry);
        Gauge.builder("corvid.process.memory.resident", () -> status("RssFile:")).baseUnit("bytes")
                .description("resident memory of the process").tag("kind", "file").register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    private static ToDoubleFunction<ReplicationStatus> known(NodeConfig replica, ToDoubleFunction<ReplicaProgress> value) {
        return status -> {
            Optional<ReplicaProgress> progress = status.progress(replica.name());
            return progress.isPresent() ? value.applyAsDouble(progress.get()) : Double.NaN;
        };
    }

    /** A {@code /proc/self/status} figure in bytes; NaN where there is none. */
    private static double status(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return Double.NaN;
    }

    /** The registry, for the gRPC interceptor and the scrape endpoint. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    public void synced(long nanos, int groups, int writes) {
        syncs.record(nanos, TimeUnit.NANOSECONDS);
        syncGroups.record(groups);
        syncWrites.record(writes);
    }

    @Override
    public void written(int changes) {
        batchChanges.record(changes);
    }

    @Override
    public void checkpointed(long nanos, int documents) {
        checkpoints.record(nanos, TimeUnit.NANOSECONDS);
        checkpointDocuments.record(documents);
    }
}
