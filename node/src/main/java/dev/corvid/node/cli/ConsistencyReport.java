package dev.corvid.node.cli;

import java.time.Duration;
import java.util.List;

/**
 * What {@link ConsistencyCheck} found: one entry per replica.
 *
 * @param master        the master's name
 * @param masterAddress its host:port
 * @param replicas      in cluster config order
 */
public record ConsistencyReport(String master, String masterAddress, List<Replica> replicas) {

    /**
     * One replica's outcome: either a comparison at a common point, or the problem that kept it
     * from being compared (did not answer, did not catch up, diverged).
     *
     * @param name     the replica's name
     * @param result   the comparison; null when {@code problem} is set
     * @param problem  why it could not be compared; null when compared
     * @param took     how long waiting and comparing took
     * @param diverged the replica holds changes the master never issued ({@code problem} says why)
     */
    public record Replica(String name, DigestComparison.Result result, String problem, Duration took, int attempts,
                          boolean diverged) {

        static Replica compared(String name, DigestComparison.Result result, Duration took, int attempts) {
            return new Replica(name, result, null, took, attempts, false);
        }

        static Replica problem(String name, String problem) {
            return new Replica(name, null, problem, Duration.ZERO, 0, false);
        }

        static Replica diverged(String name, String why) {
            return new Replica(name, null, why, Duration.ZERO, 0, true);
        }

        /** Compared, and holds exactly the master's live documents and bodies. */
        public boolean matches() {
            return result != null && result.matches();
        }

        /** Documents compared (ids with a record on either side). */
        public long liveDocuments() {
            return result == null ? 0 : result.masterLive();
        }
    }

    /** Documents in conflict on the master, as the first compared replica's comparison counted them. */
    public long openConflicts() {
        return replicas.stream().map(Replica::result).filter(java.util.Objects::nonNull).findFirst()
                .map(DigestComparison.Result::conflicts).orElse(0L);
    }

    /** True when every replica was compared and matches. */
    public boolean consistent() {
        return replicas.stream().allMatch(Replica::matches);
    }

    /** A few lines for people: the master's counts, then one paragraph per replica, then the verdict. */
    public String summary() {
        StringBuilder out = new StringBuilder();
        for (Replica r : replicas) {
            if (r.diverged()) {
                out.append(String.format("replica %s: DIVERGED from master %s: %s%n", r.name(), master, r.problem()));
                continue;
            }
            if (r.result() == null) {
                out.append(String.format("replica %s: NOT CHECKED: %s%n", r.name(), r.problem()));
                continue;
            }
            DigestComparison.Result c = r.result();
            String asOf = ConsistencyCheck.orNone(c.master().getLastEtag());
            if (c.matches()) {
                out.append(String.format("replica %s: matches master %s as of master etag %s: %,d live documents, "
                                + "%,d tombstones on the master, %,d on the replica (checked in %.1f s)%n",
                        r.name(), master, asOf, c.masterLive(), c.masterTombstones(), c.replicaTombstones(),
                        r.took().toMillis() / 1000.0));
            } else {
                out.append(String.format("replica %s: DIFFERS from master %s as of master etag %s "
                                + "(master %,d live, replica %,d live)%n",
                        r.name(), master, asOf, c.masterLive(), c.replicaLive()));
                line(out, c.missing(), "missing on the replica", c.missingExamples());
                line(out, c.extra(), "on the replica only", c.extraExamples());
                line(out, c.different(), "with a different body or collection", c.differentExamples());
            }
        }
        replicas.stream().map(Replica::result).filter(java.util.Objects::nonNull).findFirst()
                .filter(c -> c.conflicts() > 0)
                .ifPresent(c -> out.append(String.format("%,d documents in conflict on master %s (not differences: each"
                                + " keeps every version until a client saves a resolution with the conflict's etag),"
                                + " e.g. %s%n", c.conflicts(), master, String.join(", ", c.conflictExamples()))));
        long ok = replicas.stream().filter(Replica::matches).count();
        out.append(consistent()
                ? String.format("consistent: %d of %d replicas match master %s (%s)%n", ok, replicas.size(), master, masterAddress)
                : String.format("NOT consistent: %d of %d replicas match master %s (%s)%n", ok, replicas.size(), master, masterAddress));
        return out.toString();
    }

    private static void line(StringBuilder out, long count, String what, List<String> examples) {
        if (count > 0) {
            out.append(String.format("    %,d %s, e.g. %s%n", count, what, String.join(", ", examples)));
        }
    }
}
