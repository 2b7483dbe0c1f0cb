package dev.corvid.node.consensus;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.ratis.metrics.MetricRegistries;
import org.apache.ratis.metrics.MetricRegistryInfo;
import org.apache.ratis.metrics.RatisMetricRegistry;
import org.apache.ratis.util.TimeDuration;

/**
 * Ratis's metrics, kept nowhere. A Ratis server needs a {@link MetricRegistries} implementation on
 * the class path (it fails to start without one) and the registry here does not serve
 * ratis-metrics-default, so this one is found through {@code META-INF/services} instead. Corvid
 * reports nothing of Ratis's internals; if it ever should, replace this with a real one.
 *
 * <p>Public only because {@link java.util.ServiceLoader} needs it so; not part of Corvid's API.
 */
public final class RatisNoMetrics extends MetricRegistries {

    /** For {@link java.util.ServiceLoader}. */
    public RatisNoMetrics() {
    }

    @Override
    public void clear() {
    }

    @Override
    public RatisMetricRegistry create(MetricRegistryInfo info) {
        return new NoMetricRegistry(info);
    }

    @Override
    public boolean remove(MetricRegistryInfo key) {
        return true;
    }

    @Override
    public Optional<RatisMetricRegistry> get(MetricRegistryInfo info) {
        return Optional.empty();
    }

    @Override
    public Set<MetricRegistryInfo> getMetricRegistryInfos() {
        return Set.of();
    }

    @Override
    public Collection<RatisMetricRegistry> getMetricRegistries() {
        return List.of();
    }

    @Override
    public void addReporterRegistration(Consumer<RatisMetricRegistry> reporterRegistration,
                                        Consumer<RatisMetricRegistry> stopReporter) {
    }

    @Override
    public void enableJmxReporter() {
    }

    @Override
    public void enableConsoleReporter(TimeDuration consoleReportRate) {
    }
}
