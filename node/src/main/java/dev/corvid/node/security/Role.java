package dev.corvid.node.security;

import java.util.Locale;

/**
 * What a client certificate may do on a TLS cluster, each role covering the ones before it:
 * {@code read} (loads, queries, topology, stats), {@code readwrite} (and writes), {@code admin}
 * (and Digest, promotion), and {@code node}, the role of every node of the config (and replication).
 */
public enum Role {
    READ, READWRITE, ADMIN, NODE;

    /** Whether this role may do what {@code required} may. */
    public boolean covers(Role required) {
        return compareTo(required) >= 0;
    }

    /** As the cluster config writes it: {@code read}, {@code readwrite}, {@code admin}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException for anything but read, readwrite or admin */
    public static Role fromConfig(String name) {
        for (Role r : values()) {
            if (r != NODE && r.configName().equals(name)) {
                return r;
            }
        }
        throw new IllegalArgumentException("role '" + name + "' is not read, readwrite or admin");
    }
}
