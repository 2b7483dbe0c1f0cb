package dev.corvid.node.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class FailoverMonitorTest {

    private static final Set<String> MEMBERS = Set.of("A", "B", "C");

    private final AtomicLong now = new AtomicLong(7_000_000_000L);
    private final AtomicLong leaderTerm = new AtomicLong(-1);
    private final Map<String, Long> positions = new HashMap<>();
    private final List<Command.Promote> sent = new ArrayList<>();
    private final AtomicInteger asked = new AtomicInteger();
    private ConsensusState state = ConsensusState.bootstrap("A");
    private final FailoverMonitor monitor = new FailoverMonitor(Duration.ofMillis(1_000), Duration.ofMillis(250),
            MEMBERS, this::positions, leaderTerm::get, this::promote, now::get, state);

    private Map<String, Long> positions() {
        asked.incrementAndGet();
        return Map.copyOf(positions);
    }

    private ConsensusState.Applied promote(Command.Promote p) {
        sent.add(p);
        ConsensusState.Applied a = state.apply(p, MEMBERS);
        state = a.state();
        return a;
    }

    private void advanceMillis(long millis) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Test
    void aFollower_neverPromotes() {
        positions.put("B", 1L);
        advanceMillis(60_000);
        monitor.tick();
        assertTrue(sent.isEmpty());
    }

    @Test
    void aNewLeader_waitsALeaseFromBecomingLeader_thenPromotesTheMostUpToDateNode() {
        positions.putAll(Map.of("B", 10L, "C", 12L));
        advanceMillis(5_000); // the master has been quiet for long, but this node only now leads
        leaderTerm.set(3);
        monitor.tick();
        advanceMillis(1_000);
        monitor.tick();
        assertTrue(sent.isEmpty(), "a lease since it became leader has not passed yet");
        advanceMillis(1);
        monitor.tick();
        assertEquals(List.of(new Command.Promote("C", 1, 0)), sent);
        assertEquals(new ClusterEpoch(2, "C", false, true), state.current());
    }

    @Test
    void renewals_keepTheMaster() {
        positions.put("B", 1L);
        leaderTerm.set(1);
        monitor.tick();
        for (int i = 0; i < 20; i++) {
            advanceMillis(250);
            state = state.apply(new Command.RenewLease("A", 1), MEMBERS).state();
            monitor.applied(state);
            monitor.tick();
        }
        assertTrue(sent.isEmpty());
        advanceMillis(1_001);
        monitor.tick();
        assertEquals(List.of(new Command.Promote("B", 1, 20)), sent, "carries the renewal count it saw lapse");
    }

    @Test
    void noCandidate_noPromotion_thenItAsksAgainAQuarterLeaseLater() {
        leaderTerm.set(1);
        monitor.tick();
        advanceMillis(2_000);
        monitor.tick();
        assertTrue(sent.isEmpty());
        assertEquals(1, asked.get());
        positions.put("B", 0L);
        advanceMillis(200);
        monitor.tick();
        assertEquals(1, asked.get(), "not every tick: the candidates are asked over the network");
        advanceMillis(50);
        monitor.tick();
        assertEquals(2, asked.get());
        assertEquals(List.of(new Command.Promote("B", 1, 0)), sent);
    }

    @Test
    void aFailingCandidatesCall_isLoggedAndTheMonitorGoesOn() {
        FailoverMonitor failing = new FailoverMonitor(Duration.ofMillis(1_000), Duration.ofMillis(250), MEMBERS, () -> {
            throw new IllegalStateException("rpc failed");
        }, leaderTerm::get, p -> {
            throw new AssertionError("nobody answered: nothing to promote");
        }, now::get, state);
        leaderTerm.set(1);
        failing.tick();
        advanceMillis(2_000);
        failing.tick(); // does not throw
    }
}
