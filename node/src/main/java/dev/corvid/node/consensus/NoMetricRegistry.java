package dev.corvid.node.consensus;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.ratis.metrics.LongCounter;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.metrics.Timekeeper;

/** One Ratis component's metrics for {@link RatisNoMetrics}: counters count, timers and gauges are dropped. */
final class NoMetricRegistry implements RatisMetricRegistry {

    private static final Timekeeper.Context NO_TIMING = () -> 0L;

    private final MetricRegistryInfo info;

    NoMetricRegistry(MetricRegistryInfo info) {
        this.info = info;
    }

    @Override
    public Timekeeper timer(String name) {
        return () -> NO_TIMING;
    }

    @Override
    public LongCounter counter(String name) {
        AtomicLong count = new AtomicLong();
        return new LongCounter() {
            @Override
            public void inc(long n) {
                count.addAndGet(n);
            }

            @Override
            public void dec(long n) {
                count.addAndGet(-n);
            }

            @Override
            public long getCount() {
                return count.get();
            }
        };
    }

    @Override
    public boolean remove(String name) {
        return true;
    }

    @Override
    public <T> void gauge(String name, Supplier<Supplier<T>> gaugeSupplier) {
    }

    @Override
    public MetricRegistryInfo getMetricRegistryInfo() {
        return info;
    }
}
