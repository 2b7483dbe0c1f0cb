package dev.corvid.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * One thread's tally in a phase: the latency of every successful operation, conflicts and
 * errors. Not thread-safe: each worker has its own; {@link #merge} joins them afterwards.
 */
final class Recorder {

    private long[] latencies = new long[4096];
    private int count;
    /** Whether {@code latencies[0, count)} is in order (sorted once, for every percentile). */
    private boolean sorted;
    long conflicts;
    long errors;

    void success(long nanos) {
        if (count == latencies.length) {
            latencies = Arrays.copyOf(latencies, count * 2);
        }
        latencies[count++] = nanos;
        sorted = false;
    }

    int successes() {
        return count;
    }

    static Recorder merge(List<Recorder> parts) {
        Recorder all = new Recorder();
        all.latencies = new long[Math.max(1, parts.stream().mapToInt(r -> r.count).sum())];
        for (Recorder r : parts) {
            System.arraycopy(r.latencies, 0, all.latencies, all.count, r.count);
            all.count += r.count;
            all.conflicts += r.conflicts;
            all.errors += r.errors;
        }
        return all;
    }

    /** The latency at quantile {@code q} (nearest rank), in milliseconds; 0 with no samples. */
    double percentileMs(double q) {
        if (count == 0) {
            return 0;
        }
        if (!sorted) {
            Arrays.sort(latencies, 0, count);
            sorted = true;
        }
        return latencies[Math.min(count - 1, Math.max(0, (int) Math.ceil(q * count) - 1))] / 1e6;
    }

    double maxMs() {
        return percentileMs(1.0);
    }

    /**
     * The phase's line: {@code RESULT store=corvid phase=... errors=<n>}, then {@code extra}
     * (more {@code key=value} pairs, or empty).
     */
    String resultLine(String phase, double seconds, String extra) {
        return String.format(Locale.ROOT,
                "RESULT store=corvid phase=%s ops=%d secs=%.2f ops_per_s=%.0f p50_ms=%.2f p99_ms=%.2f conflicts=%d errors=%d%s",
                phase, count, seconds, count / seconds, percentileMs(0.50), percentileMs(0.99), conflicts, errors,
                extra.isEmpty() ? "" : " " + extra);
    }
}
