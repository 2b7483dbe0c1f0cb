package dev.corvid.node.consensus;

import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Which node should follow the master, from the live nodes' {@link Candidates#positions()}. */
final class Successors {

    private Successors() {
    }

    /**
     * The node to promote: the highest position among members other than {@code master}; of equal
     * positions the first name in {@link String#compareTo} order. Empty when none answered.
     */
    static Optional<String> best(Map<String, Long> positions, String master, Set<String> members) {
        return positions.entrySet().stream()
                .filter(e -> e.getKey() != null && e.getValue() != null)
                .filter(e -> members.contains(e.getKey()) && !e.getKey().equals(master))
                .max(Comparator.<Map.Entry<String, Long>>comparingLong(Map.Entry::getValue)
                        .thenComparing(Map.Entry::getKey, Comparator.reverseOrder()))
                .map(Map.Entry::getKey);
    }

    /**
     * Why an operator should not promote {@code node} now: it did not report its position, or
     * another live node other than the master is ahead of it (equal is not ahead). Empty if none.
     */
    static Optional<String> whyNot(String node, Map<String, Long> positions, String master, Set<String> members) {
        Long mine = positions.get(node);
        if (mine == null) {
            return Optional.of(node + " did not report its position (is it running?); promote it even if behind "
                    + "to take it anyway");
        }
        return best(positions, master, members)
                .filter(other -> positions.get(other) > mine)
                .map(other -> other + " is ahead of " + node + " (position " + positions.get(other) + " > " + mine
                        + "); promote " + node + " even if behind to lose that");
    }
}
