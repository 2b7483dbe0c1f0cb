package dev.corvid.node.config;

import java.time.Duration;

/** The checks of settings, each failing with a {@link ConfigException} that names the setting's key. */
final class Require {

    private Require() {
    }

    /** @param key the setting as written in the cluster config, e.g. {@code serving.maxExchangeCalls} */
    static void atLeast(String key, long value, long min) {
        that(value >= min, key + " must be at least " + min + ", was " + value);
    }

    /** @param key the setting as written in the cluster config, e.g. {@code replication.heartbeatMillis} */
    static void atLeast(String key, Duration value, long minMillis) {
        that(value != null && value.toMillis() >= minMillis, key + " must be at least " + minMillis + ", was "
                + millis(value));
    }

    /** The milliseconds of {@code value}, or null, for messages. */
    static Long millis(Duration value) {
        return value == null ? null : value.toMillis();
    }

    static void that(boolean ok, String message) {
        if (!ok) {
            throw new ConfigException(message);
        }
    }
}
