package dev.corvid.node.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SuccessorsTest {

    private static final Set<String> MEMBERS = Set.of("A", "B", "C");

    @Test
    void best_isTheHighestPositionOtherThanTheMaster_tiesByName() {
        assertEquals(Optional.of("C"), Successors.best(Map.of("A", 9L, "B", 4L, "C", 5L), "A", MEMBERS));
        assertEquals(Optional.of("B"), Successors.best(Map.of("B", 5L, "C", 5L), "A", MEMBERS));
        assertEquals(Optional.of("B"), Successors.best(Map.of("B", 1L, "Z", 99L), "A", MEMBERS), "not a member");
        assertEquals(Optional.empty(), Successors.best(Map.of("A", 3L), "A", MEMBERS));
        assertEquals(Optional.empty(), Successors.best(Map.of(), "A", MEMBERS));
    }

    @Test
    void whyNot_aNodeThatDidNotAnswer_orIsBehindAnotherLiveOne() {
        assertEquals(Optional.of("B did not report its position (is it running?); promote it even if behind to "
                + "take it anyway"), Successors.whyNot("B", Map.of("C", 1L), "A", MEMBERS));
        assertEquals(Optional.of("C is ahead of B (position 5 > 3); promote B even if behind to lose that"),
                Successors.whyNot("B", Map.of("B", 3L, "C", 5L), "A", MEMBERS));
        assertEquals(Optional.empty(), Successors.whyNot("B", Map.of("B", 5L, "C", 5L), "A", MEMBERS), "equal");
        assertEquals(Optional.empty(), Successors.whyNot("B", Map.of("A", 9L, "B", 5L), "A", MEMBERS),
                "the master itself does not count");
    }
}
