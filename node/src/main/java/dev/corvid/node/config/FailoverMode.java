package dev.corvid.node.config;

import java.util.Locale;

/**
 * Who decides which node is master: the cluster config's top-level {@code "failover"}.
 */
public enum FailoverMode {
    /** The node the config names master is master, always; no Raft group runs. The default. */
    STATIC,
    /**
     * A Raft group of every node (Apache Ratis, on each node's {@code consensusPort}) holds the
     * master and its epoch; it starts as the config's master and changes only when an operator
     * promotes a node ({@code scripts/promote-node.sh}).
     */
    MANUAL,
    /** As {@link #MANUAL}, and when the master dies the most up-to-date live replica becomes master on its own. */
    AUTOMATIC;

    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether a Raft group decides the master. */
    public boolean usesConsensus() {
        return this != STATIC;
    }

    static FailoverMode fromConfig(String name) {
        for (FailoverMode m : values()) {
            if (m.configName().equals(name)) {
                return m;
            }
        }
        throw new ConfigException("\"failover\" must be \"static\", \"manual\" or \"automatic\", was '" + name + "'");
    }
}
