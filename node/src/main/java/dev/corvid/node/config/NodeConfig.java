package dev.corvid.node.config;

import java.nio.file.Path;

/**
 * One node of a cluster description.
 *
 * @param name          unique name, e.g. {@code A}
 * @param host          the address it listens on (binds), e.g. {@code 127.0.0.1}, or {@code 0.0.0.0}
 *                      for every interface
 * @param port          the gRPC port (1-65535, or 0 for one chosen by the OS)
 * @param dataDirectory where its storage lives; resolved against the config file's folder
 * @param role          master or replica; with a Raft-decided master ({@link FailoverMode#MANUAL},
 *                      {@link FailoverMode#AUTOMATIC}) only who is master in the first epoch
 * @param consensusPort the port of its Raft server, on {@code host}; 0 when the cluster's master is static
 * @param advertise     the host clients and the other nodes reach it by (its config field
 *                      {@code "advertise"}, {@code host} when absent): never a wildcard address
 * @param metricsPort   the HTTP port of its Prometheus scrape endpoint ({@code /metrics}), on
 *                      {@code host}; 0 for none (the default)
 */
public record NodeConfig(String name, String host, int port, Path dataDirectory, Role role, int consensusPort,
                         String advertise, int metricsPort) {

    /** A node of a cluster with a static master (no Raft server), reached at the host it listens on. */
    public NodeConfig(String name, String host, int port, Path dataDirectory, Role role) {
        this(name, host, port, dataDirectory, role, 0);
    }

    /** A node reached at the host it listens on. */
    public NodeConfig(String name, String host, int port, Path dataDirectory, Role role, int consensusPort) {
        this(name, host, port, dataDirectory, role, consensusPort, host, 0);
    }

    /** This node with {@code role}: the same node in another epoch. */
    public NodeConfig withRole(Role role) {
        return new NodeConfig(name, host, port, dataDirectory, role, consensusPort, advertise, metricsPort);
    }

    /** What a node does in the cluster. */
    public enum Role {
        /** Takes every write and pushes changes to the replicas. */
        MASTER,
        /** Applies the master's changes; refuses ordinary client writes. */
        REPLICA;

        public String wireName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** {@code advertise:port}: where clients and the other nodes reach it. */
    public String address() {
        return advertise + ":" + port;
    }

    /** {@code host:port}: where it listens. */
    public String bindAddress() {
        return host + ":" + port;
    }
}
