package dev.corvid.node.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import org.junit.jupiter.api.Test;

class ConsensusStateTest {

    private static final Set<String> MEMBERS = Set.of("A", "B", "C");
    private static final long ANY = Command.Promote.ANY_RENEWALS;

    private final ConsensusState initial = ConsensusState.bootstrap("A");

    @Test
    void bootstrap_isEpochOne_withTheConfiguredMaster_andNothingToFence() {
        assertEquals(new ClusterEpoch(1, "A", false, true), initial.current());
        assertEquals(0, initial.renewals());
    }

    @Test
    void promote_withTheCurrentEpoch_startsTheNextEpoch_withTheNewMaster() {
        ConsensusState.Applied a = initial.apply(new Command.Promote("B", 1, ANY), MEMBERS);
        assertTrue(a.accepted(), a.reason());
        assertEquals(new ClusterEpoch(2, "B", false, false), a.state().current(), "A did not release: not fenced");
    }

    @Test
    void promote_withAStaleEpoch_isRefused_withTheCurrentState() {
        ConsensusState two = initial.apply(new Command.Promote("B", 1, ANY), MEMBERS).state();
        ConsensusState.Applied a = two.apply(new Command.Promote("C", 1, ANY), MEMBERS);
        assertFalse(a.accepted());
        assertSame(two, a.state());
        assertTrue(a.reason().contains("expected epoch 1 but it is epoch 2 (master B)"), a.reason());
    }

    @Test
    void promote_ofANonMember_isRefused() {
        ConsensusState.Applied a = initial.apply(new Command.Promote("Z", 1, ANY), MEMBERS);
        assertFalse(a.accepted());
        assertTrue(a.reason().contains("Z is not a member"), a.reason());
    }

    @Test
    void renewLease_succeedsOnlyForTheMasterOfTheCurrentEpoch() {
        ConsensusState.Applied byMaster = initial.apply(new Command.RenewLease("A", 1), MEMBERS);
        assertTrue(byMaster.accepted());
        assertEquals(1, byMaster.state().renewals());
        assertFalse(initial.apply(new Command.RenewLease("B", 1), MEMBERS).accepted(), "not the master");
        ConsensusState two = initial.apply(new Command.Promote("B", 1, ANY), MEMBERS).state();
        assertFalse(two.apply(new Command.RenewLease("A", 1), MEMBERS).accepted(), "the old master, old epoch");
        assertEquals(0, two.renewals(), "a new epoch starts counting again");
    }

    @Test
    void release_endsRenewals_andFencesThePredecessorOfTheNextEpoch() {
        ConsensusState released = initial.apply(new Command.Release("A", 1), MEMBERS).state();
        assertTrue(released.current().released());
        assertFalse(released.apply(new Command.RenewLease("A", 1), MEMBERS).accepted(), "released for good");
        assertFalse(initial.apply(new Command.Release("B", 1), MEMBERS).accepted(), "only the master releases");
        ClusterEpoch two = released.apply(new Command.Promote("B", 1, ANY), MEMBERS).state().current();
        assertEquals(new ClusterEpoch(2, "B", false, true), two);
    }

    @Test
    void automaticPromotion_fencesThePredecessor_onlyIfItHasNotRenewedSinceItWasSeenLapsed() {
        ConsensusState renewedTwice = initial
                .apply(new Command.RenewLease("A", 1), MEMBERS).state()
                .apply(new Command.RenewLease("A", 1), MEMBERS).state();
        ConsensusState.Applied stale = renewedTwice.apply(new Command.Promote("B", 1, 1), MEMBERS);
        assertFalse(stale.accepted(), "A renewed after the leader saw its lease lapse");
        assertTrue(stale.reason().contains("renewed its lease since"), stale.reason());
        ConsensusState.Applied won = renewedTwice.apply(new Command.Promote("B", 1, 2), MEMBERS);
        assertEquals(new ClusterEpoch(2, "B", false, true), won.state().current());
    }
}
