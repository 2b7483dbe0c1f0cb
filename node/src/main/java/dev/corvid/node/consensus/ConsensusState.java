package dev.corvid.node.consensus;

import java.util.Objects;
import java.util.Set;

/**
 * The whole replicated state: the {@link ClusterEpoch} and how many lease renewals its master has
 * made in it. {@link #apply} is the state machine's only logic; it is a pure function of the
 * state, the command and the member set, so every node that applies the same log reaches the same
 * state.
 *
 * @param current  the epoch and its master
 * @param renewals successful lease renewals in this epoch; 0 when it begins. The automatic
 *                 failover compares it to tell a master that renewed from one that did not
 */
record ConsensusState(ClusterEpoch current, long renewals) {

    ConsensusState {
        Objects.requireNonNull(current, "current");
        assert renewals >= 0 : renewals;
    }

    static ConsensusState bootstrap(String master) {
        return new ConsensusState(ClusterEpoch.bootstrap(master), 0);
    }

    /**
     * The outcome of one command.
     *
     * @param reason why it was refused; empty when accepted
     */
    record Applied(boolean accepted, ConsensusState state, String reason) {
        Applied {
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(reason, "reason");
            assert accepted == reason.isEmpty() : reason;
        }
    }

    /**
     * Applies {@code command}; a refusal leaves the state as it is.
     *
     * @param members the names of the group's nodes, the same on every node
     */
    Applied apply(Command command, Set<String> members) {
        // Java 17: no pattern matching in switch yet.
        if (command instanceof Command.Promote p) {
            return promote(p, members);
        } else if (command instanceof Command.RenewLease r) {
            return renew(r);
        } else if (command instanceof Command.Release r) {
            return release(r);
        }
        throw new IllegalArgumentException("not a command of the log: " + command);
    }

    private Applied promote(Command.Promote p, Set<String> members) {
        ClusterEpoch c = current;
        if (!members.contains(p.node())) {
            return refused(p.node() + " is not a member of the group " + members);
        }
        if (p.expectedEpoch() != c.epoch()) {
            return refused("expected epoch " + p.expectedEpoch() + " but it is " + c);
        }
        boolean lapsedCheck = p.lapsedRenewals() != Command.Promote.ANY_RENEWALS;
        if (lapsedCheck && p.lapsedRenewals() != renewals) {
            return refused(c.master() + " renewed its lease since it was seen lapsed (renewal " + renewals
                    + ", seen at " + p.lapsedRenewals() + ")");
        }
        ClusterEpoch next = new ClusterEpoch(c.epoch() + 1, p.node(), false, c.released() || lapsedCheck);
        return accepted(new ConsensusState(next, 0));
    }

    private Applied renew(Command.RenewLease r) {
        ClusterEpoch c = current;
        if (r.epoch() != c.epoch() || !r.node().equals(c.master())) {
            return refused(r.node() + " is not the master of epoch " + r.epoch() + "; it is " + c);
        }
        if (c.released()) {
            return refused(r.node() + " released its lease of epoch " + c.epoch());
        }
        return accepted(new ConsensusState(c, renewals + 1));
    }

    private Applied release(Command.Release r) {
        ClusterEpoch c = current;
        if (r.epoch() != c.epoch() || !r.node().equals(c.master())) {
            return refused(r.node() + " is not the master of epoch " + r.epoch() + "; it is " + c);
        }
        ClusterEpoch released = new ClusterEpoch(c.epoch(), c.master(), true, c.predecessorFenced());
        return accepted(new ConsensusState(released, renewals));
    }

    private Applied refused(String reason) {
        return new Applied(false, this, reason);
    }

    private static Applied accepted(ConsensusState next) {
        return new Applied(true, next, "");
    }
}
