package dev.corvid.node.config;

import java.time.Duration;

/**
 * How the master and a replica tell each other they are alive, from the cluster config's optional
 * {@code "replication"} object (each field optional):
 * <pre>
 *   "replication": {"heartbeatMillis": 1000, "masterTimeoutMillis": 3000}
 * </pre>
 *
 * @param heartbeat     how often the master sends a heartbeat on a replication stream that carried
 *                      nothing else for that long; {@code heartbeatMillis}, default 1000 ms, at least 10 ms
 * @param masterTimeout how long a replica counts its master reachable after the last message of
 *                      an accepted stream (batch or heartbeat); it takes failover writes only once
 *                      that long has passed without one, or once the stream has ended (a killed
 *                      master's connection closes at once). {@code masterTimeoutMillis}, default
 *                      3000 ms, at least twice the heartbeat, so one late heartbeat is no outage
 */
public record ReplicationSettings(Duration heartbeat, Duration masterTimeout) {

    public static final ReplicationSettings DEFAULT = new ReplicationSettings(Duration.ofMillis(1000), Duration.ofMillis(3000));

    public ReplicationSettings {
        if (heartbeat == null || heartbeat.toMillis() < 10) {
            throw new ConfigException("replication.heartbeatMillis must be at least 10, was "
                    + (heartbeat == null ? null : heartbeat.toMillis()));
        }
        if (masterTimeout == null || masterTimeout.compareTo(heartbeat.multipliedBy(2)) < 0) {
            throw new ConfigException("replication.masterTimeoutMillis (" + (masterTimeout == null ? null : masterTimeout.toMillis())
                    + ") must be at least twice replication.heartbeatMillis (" + heartbeat.toMillis() + ")");
        }
    }
}
