package dev.corvid.client.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.corvid.client.FailoverBehavior;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Read and write plans for each failover behavior, with and without failed nodes. */
class NodeSelectorTest {

    private static final Topology ABC = new Topology(List.of("a:1", "b:2", "c:3"));

    private static List<String> reads(FailoverPolicy policy, SessionRouting routing, String... failed) {
        NodeSelector selector = new NodeSelector(ABC, policy);
        for (String f : failed) {
            selector.markFailed(f);
        }
        return selector.readPlan(selector.state(), routing);
    }

    @Test
    void failImmediately_readsOnlyTheMaster_evenWhenItFailed() {
        assertEquals(List.of("a:1"), reads(FailoverPolicy.of(FailoverBehavior.FAIL_IMMEDIATELY), new SessionRouting(false, 1), "a:1"));
    }

    @Test
    void allowReads_masterThenReplicasInOrder_failedOnesLast() {
        FailoverPolicy policy = FailoverPolicy.DEFAULT;
        assertEquals(List.of("a:1", "b:2", "c:3"), reads(policy, new SessionRouting(false, 2)));
        assertEquals(List.of("b:2", "c:3", "a:1"), reads(policy, new SessionRouting(false, 2), "a:1"));
        assertEquals(List.of("c:3", "a:1", "b:2"), reads(policy, SessionRouting.NONE, "a:1", "b:2"));
    }

    @Test
    void readFromAllServers_startsAtTheSessionsTurn_skippingFailedOnes() {
        FailoverPolicy policy = FailoverPolicy.of(FailoverBehavior.READ_FROM_ALL_SERVERS);
        assertEquals(List.of("b:2", "c:3", "a:1"), reads(policy, new SessionRouting(false, 1)));
        assertEquals(List.of("c:3", "a:1", "b:2"), reads(policy, new SessionRouting(false, 5)));
        assertEquals(List.of("c:3", "a:1", "b:2"), reads(policy, new SessionRouting(false, 1), "b:2"));
        assertEquals(List.of("a:1", "b:2", "c:3"), reads(policy, new SessionRouting(true, 1)), "forced to the master");
        assertEquals(List.of("a:1", "b:2", "c:3"), reads(policy, SessionRouting.NONE), "store-level: not striped");
    }

    @SuppressWarnings("try") // a ReadScope acts by being open; the body never names it
    @Test
    void scope_forcesTheMasterWhileOpen() {
        FailoverPolicy policy = FailoverPolicy.of(FailoverBehavior.READ_FROM_ALL_SERVERS);
        SessionRouting routing = new SessionRouting(false, 2);
        Runnable endScope = routing.openScope();
        try {
            assertEquals("a:1", reads(policy, routing).get(0));
        } finally {
            endScope.run();
        }
        assertEquals("c:3", reads(policy, routing).get(0));
    }

    @Test
    void replicaWrites_onlyWhenAllowed_liveOnesFirst() {
        NodeSelector allowed = new NodeSelector(ABC, FailoverPolicy.of(
                FailoverBehavior.ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES));
        allowed.markFailed("b:2");
        assertEquals(List.of("c:3", "b:2"), allowed.replicaWritePlan(allowed.state()));
        NodeSelector forbidden = new NodeSelector(ABC, FailoverPolicy.of(FailoverBehavior.READ_FROM_ALL_SERVERS));
        assertEquals(List.of(), forbidden.replicaWritePlan(forbidden.state()));
    }

    @Test
    void markHealthy_andTopologyUpdates_keepTheFailedSetConsistent() {
        NodeSelector selector = new NodeSelector(ABC, FailoverPolicy.DEFAULT);
        selector.markFailed("a:1");
        selector.markFailed("c:3");
        selector.markFailed("z:9"); // not in the topology: ignored
        selector.markHealthy("a:1");
        assertEquals(Set.of("c:3"), selector.state().failed());
        selector.updateTopology(new Topology(List.of("a:1", "b:2")));
        assertEquals(Set.of(), selector.state().failed());
    }

    @Test
    void policy_failImmediatelyStandsAlone_andDescribesItselfInRavenDbWords() {
        assertThrows(IllegalArgumentException.class,
                () -> FailoverPolicy.of(FailoverBehavior.FAIL_IMMEDIATELY, FailoverBehavior.READ_FROM_ALL_SERVERS));
        assertThrows(IllegalArgumentException.class, FailoverPolicy::of);
        assertEquals("AllowReadsFromSecondaries, ReadFromAllServers",
                FailoverPolicy.of(FailoverBehavior.READ_FROM_ALL_SERVERS, FailoverBehavior.ALLOW_READS_FROM_SECONDARIES).describe());
    }
}
