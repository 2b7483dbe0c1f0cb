package dev.corvid.client;

import dev.corvid.client.routing.OperationKind;
import dev.corvid.client.routing.RequestObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The client's meters, bound to an application's Micrometer {@link MeterRegistry}:
 * <pre>{@code
 * new CorvidClientMetrics(store).bindTo(registry);
 * }</pre>
 * <ul>
 *   <li>{@code corvid.client.requests} (a timer): every attempt of a call on a node, by
 *       {@code node} ({@code host:port}), {@code operation} ({@code Get}: a load or a get; {@code Batch}: a
 *       {@code saveChanges()}; {@code Put}, {@code Delete}, {@code Query}, {@code ReserveIds}) and {@code outcome}: {@code success}, {@code error} (the node
 *       answered with an error: a concurrency conflict, a bad request) or {@code unreachable}.
 *       Its per-node mean and max are the client's latency to each node; add percentiles or a
 *       histogram with a {@code MeterFilter};</li>
 *   <li>{@code corvid.client.failovers} (a counter): calls that went on to the next node because
 *       one did not answer, by {@code from} (that node), {@code operation} and {@code kind}
 *       ({@code read} or {@code write});</li>
 *   <li>{@code corvid.client.retries} (a counter): writes sent once more to the master the
 *       cluster names now, by {@code operation} and {@code reason}: {@code not_master} (the node
 *       named the master) or {@code master_changed} (a newer epoch's master, after the master did
 *       not answer);</li>
 *   <li>{@code corvid.client.nodes.unreachable} (a gauge): nodes the store takes for down now
 *       (and probes in the background).</li>
 * </ul>
 * Every meter also carries the tags given to the constructor, e.g. {@code store=orders} when an
 * application has several stores. Bind before or after {@link DocumentStore#initialize()}; the
 * meters count calls from then on. Needs {@code io.micrometer:micrometer-core} on the class path
 * (an optional dependency of this artifact).
 */
public final class CorvidClientMetrics implements MeterBinder {

    private final DocumentStore store;
    private final Tags tags;

    public CorvidClientMetrics(DocumentStore store) {
        this(store, Tags.empty());
    }

    /** @param tags added to every meter */
    public CorvidClientMetrics(DocumentStore store, Iterable<Tag> tags) {
        this.store = Objects.requireNonNull(store, "store");
        this.tags = Tags.of(Objects.requireNonNull(tags, "tags"));
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder("corvid.client.nodes.unreachable", store, DocumentStore::unreachableNodeCount)
                .description("nodes the client takes for down and probes in the background")
                .tags(tags).register(registry);
        store.observeRequests(new Recorder(registry, tags));
    }

    /** Builds each meter once per tag combination; records on the calling thread. */
    private static final class Recorder implements RequestObserver {

        private final MeterRegistry registry;
        private final Tags tags;
        private final Map<String, Timer> requests = new ConcurrentHashMap<>();
        private final Map<String, Counter> failovers = new ConcurrentHashMap<>();
        private final Map<String, Counter> retries = new ConcurrentHashMap<>();

        Recorder(MeterRegistry registry, Tags tags) {
            this.registry = registry;
            this.tags = tags;
        }

        @Override
        public void attempted(String node, String operation, Outcome outcome, long nanos) {
            requests.computeIfAbsent(node + ' ' + operation + ' ' + outcome, key -> Timer.builder("corvid.client.requests")
                            .description("attempts of a call on a node")
                            .tags(tags).tag("node", node).tag("operation", operation).tag("outcome", name(outcome))
                            .register(registry))
                    .record(nanos, TimeUnit.NANOSECONDS);
        }

        @Override
        public void failedOver(String from, String operation, OperationKind kind) {
            failovers.computeIfAbsent(from + ' ' + operation + ' ' + kind, key -> Counter.builder("corvid.client.failovers")
                            .description("calls that went on to the next node because one did not answer")
                            .tags(tags).tag("from", from).tag("operation", operation).tag("kind", name(kind))
                            .register(registry))
                    .increment();
        }

        @Override
        public void retried(String operation, Retry reason) {
            retries.computeIfAbsent(operation + ' ' + reason, key -> Counter.builder("corvid.client.retries")
                            .description("writes sent once more to the master the cluster names now")
                            .tags(tags).tag("operation", operation).tag("reason", name(reason))
                            .register(registry))
                    .increment();
        }

        private static String name(Enum<?> value) {
            return value.name().toLowerCase(Locale.ROOT);
        }
    }
}
