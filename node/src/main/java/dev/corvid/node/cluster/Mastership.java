package dev.corvid.node.cluster;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.NodeConfig;
import java.util.function.Consumer;

/**
 * Who is master now, as this node knows it: the one place the rest of the node asks, instead of
 * the role the cluster config names. With a static master ({@link #fixed}) that is the config's
 * master for ever; with a Raft-decided one ({@link ConsensusMastership}) it changes with each
 * promotion, each change an epoch one higher.
 *
 * <p>Invariant: {@link #view()} always has exactly one master, the master of {@link #epoch()};
 * {@link #mayAcknowledge()} is true only on that master, and only while it may acknowledge writes
 * (with Raft: while it holds its epoch's lease).
 */
public interface Mastership {

    /** The cluster as of the current epoch: the same nodes as the config, the current master's role MASTER. */
    ClusterConfig view();

    /** The current epoch; 1 for a static master. */
    long epoch();

    /** This node's name. */
    String self();

    /** Whether this node is the master of the current epoch. */
    default boolean isMaster() {
        return view().master().name().equals(self());
    }

    /** The current master. */
    default NodeConfig master() {
        return view().master();
    }

    /** Whether this node may acknowledge a client write now: it is master and (with Raft) holds its lease. */
    boolean mayAcknowledge();

    /**
     * Calls {@code listener} with the new view after every change of master, on one thread, in
     * order; not for the state at the time of the call.
     */
    void addListener(Consumer<ClusterConfig> listener);

    /** The config's master, for ever. */
    static Mastership fixed(ClusterConfig cluster, String self) {
        cluster.node(self);
        return new Mastership() {
            @Override
            public ClusterConfig view() {
                return cluster;
            }

            @Override
            public long epoch() {
                return 1;
            }

            @Override
            public String self() {
                return self;
            }

            @Override
            public boolean mayAcknowledge() {
                return isMaster();
            }

            @Override
            public void addListener(Consumer<ClusterConfig> listener) {
                // never changes
            }
        };
    }
}
