package dev.corvid.node.consensus;

import java.util.Objects;

/** What the group's state machine is asked to do; {@link Codec} gives each its bytes. */
sealed interface Command {

    /**
     * Make {@code node} master in a new epoch if the epoch is still {@code expectedEpoch} (a
     * compare-and-set: of two promotions from one epoch, only the first applied wins).
     *
     * @param lapsedRenewals {@link #ANY_RENEWALS} for a promotion by hand. The automatic failover
     *                       gives the renewal count at which it saw the master's lease lapse: the
     *                       promotion is then refused if the master renewed since, and otherwise
     *                       records the predecessor as fenced ({@link FailoverMonitor} says why
     *                       that is sound)
     */
    record Promote(String node, long expectedEpoch, long lapsedRenewals) implements Command {
        static final long ANY_RENEWALS = -1;

        public Promote {
            Objects.requireNonNull(node, "node");
            assert lapsedRenewals >= ANY_RENEWALS : lapsedRenewals;
        }
    }

    /** The master of {@code epoch} extends its lease; refused unless it is that epoch's unreleased master. */
    record RenewLease(String node, long epoch) implements Command {
        public RenewLease {
            Objects.requireNonNull(node, "node");
        }
    }

    /** The master of {@code epoch} gives up its lease for good in that epoch (a planned hand-over). */
    record Release(String node, long epoch) implements Command {
        public Release {
            Objects.requireNonNull(node, "node");
        }
    }

    /** Read the state (a Ratis read-only request; never in the log). */
    record Query() implements Command {
    }
}
