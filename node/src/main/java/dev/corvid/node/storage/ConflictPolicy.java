package dev.corvid.node.storage;

import java.util.Locale;

/**
 * What the master does when a version another node handed back meets a newer version of its own
 * (see {@link Storage#handBackAsync}); the cluster config's {@code replication.conflicts}.
 */
public enum ConflictPolicy {
    /** Keep both: the document is in conflict until a client saves a resolution. The default. */
    SURFACE,
    /** The version with the later {@code @last-modified} wins (the master's on a tie or when unknown). */
    LATEST,
    /** The master's version wins; the handed-back one is logged and counted, not stored. */
    MASTER;

    /** The config's spelling: {@code surface}, {@code latest}, {@code master}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException for anything but the three names */
    public static ConflictPolicy fromConfig(String name) {
        for (ConflictPolicy p : values()) {
            if (p.configName().equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("replication.conflicts must be surface, latest or master, was '" + name + "'");
    }
}
