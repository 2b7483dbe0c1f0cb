package dev.corvid.client.routing;

import dev.corvid.client.FailoverBehavior;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The failover behaviors of a store, validated once and read as routing questions. Immutable.
 *
 * @param behaviors never empty; {@link FailoverBehavior#FAIL_IMMEDIATELY} only alone
 */
public record FailoverPolicy(Set<FailoverBehavior> behaviors) {

    public static final FailoverPolicy DEFAULT = of(FailoverBehavior.ALLOW_READS_FROM_SECONDARIES);

    public FailoverPolicy {
        if (behaviors.isEmpty()) {
            throw new IllegalArgumentException("give at least one FailoverBehavior");
        }
        if (behaviors.contains(FailoverBehavior.FAIL_IMMEDIATELY) && behaviors.size() > 1) {
            throw new IllegalArgumentException("FAIL_IMMEDIATELY cannot be combined with " + EnumSet.copyOf(behaviors)
                    .stream().filter(b -> b != FailoverBehavior.FAIL_IMMEDIATELY).toList()
                    + ": it means no failover at all");
        }
        behaviors = Collections.unmodifiableSet(EnumSet.copyOf(behaviors));
    }

    public static FailoverPolicy of(FailoverBehavior... behaviors) {
        EnumSet<FailoverBehavior> set = EnumSet.noneOf(FailoverBehavior.class);
        for (FailoverBehavior b : behaviors) {
            if (b == null) {
                throw new IllegalArgumentException("a FailoverBehavior is null");
            }
            set.add(b);
        }
        return new FailoverPolicy(set);
    }

    /** Whether a read may go to a replica (after the master failed, or by striping). */
    boolean readsFromReplicas() {
        return !behaviors.contains(FailoverBehavior.FAIL_IMMEDIATELY);
    }

    /** Whether each session reads from the next server in turn. */
    boolean stripesReads() {
        return behaviors.contains(FailoverBehavior.READ_FROM_ALL_SERVERS);
    }

    /** Whether a write may go to a replica (as a failover write) while the master is down. */
    boolean writesToReplicas() {
        return behaviors.contains(FailoverBehavior.ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES);
    }

    /** RavenDB's spelling, e.g. {@code AllowReadsFromSecondaries} or {@code AllowReadsFromSecondaries, ReadFromAllServers}. */
    String describe() {
        return behaviors.stream().map(FailoverPolicy::ravenDbName).collect(Collectors.joining(", "));
    }

    /** The RavenDB spelling of a behavior, as messages use it. */
    private static String ravenDbName(FailoverBehavior behavior) {
        return switch (behavior) {
            case FAIL_IMMEDIATELY -> "FailImmediately";
            case ALLOW_READS_FROM_SECONDARIES -> "AllowReadsFromSecondaries";
            case ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES -> "AllowReadsFromSecondariesAndWritesToSecondaries";
            case READ_FROM_ALL_SERVERS -> "ReadFromAllServers";
        };
    }
}
