package dev.corvid.node.consensus;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three Ratis servers in this JVM on loopback: promotion, leases, fencing, failover, restart. Real
 * Raft on real ports and files takes about forty seconds here; the same behaviour is covered end
 * to end on real node processes by {@code PromotionTest} in every {@code mvn verify}, so this one
 * runs with {@code mvn verify -Pdrills} (or {@code -Dtest=ConsensusTest}).
 */
@Tag("drill")
class ConsensusTest {

    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final long LEASE_MILLIS = ConsensusSettings.DEFAULT_LEASE.toMillis();

    @TempDir
    Path dir;

    private ConsensusGroup group;

    @AfterEach
    void close() {
        if (group != null) {
            group.close();
        }
    }

    private ConsensusGroup start(FailoverMode mode, ConsensusSettings settings) {
        group = new ConsensusGroup(dir, 3, mode, settings);
        return group;
    }

    private void awaitEverywhere(ClusterEpoch expected) {
        await().atMost(WAIT).untilAsserted(() -> {
            for (String name : group.runningNames()) {
                assertEquals(expected, group.node(name).current(), name);
            }
        });
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    @Test
    void aNewCluster_isAtEpochOne_withTheBootstrapMaster_andOnlyItAcknowledges() {
        start(FailoverMode.MANUAL, ConsensusSettings.DEFAULT);
        ClusterEpoch one = new ClusterEpoch(1, "A", false, true);
        for (String name : List.of("A", "B", "C")) {
            assertEquals(one, group.node(name).current(), name);
        }
        await().atMost(WAIT).ignoreExceptions().until(() -> group.node("C").currentLinearizable().equals(one));
        await().atMost(WAIT).until(() -> group.node("A").mayAcknowledge());
        assertFalse(group.node("B").holdsLease());
        assertFalse(group.node("C").mayAcknowledge());
    }

    @Test
    void promote_withTheCurrentEpochWins_aStaleOneIsRefused_andOfTwoRacingOnlyOneWins() throws Exception {
        start(FailoverMode.MANUAL, ConsensusSettings.DEFAULT);
        await().atMost(WAIT).ignoreExceptions().until(() -> group.node("A").currentLinearizable().epoch() == 1);

        PromotionResult won = group.node("C").compareAndPromote("B", 1);
        assertTrue(won.promoted(), won.reason());
        assertEquals(new ClusterEpoch(2, "B", false, false), won.state());
        PromotionResult stale = group.node("A").compareAndPromote("C", 1);
        assertFalse(stale.promoted());
        assertEquals(2, stale.state().epoch());
        assertTrue(stale.reason().contains("expected epoch 1"), stale.reason());

        CountDownLatch go = new CountDownLatch(1);
        CompletableFuture<PromotionResult> toA = CompletableFuture.supplyAsync(() -> race(go, "B", "A"));
        CompletableFuture<PromotionResult> toC = CompletableFuture.supplyAsync(() -> race(go, "C", "C"));
        go.countDown();
        List<PromotionResult> results = List.of(toA.get(), toC.get());
        assertEquals(1, results.stream().filter(PromotionResult::promoted).count(), results.toString());
        ClusterEpoch three = results.stream().filter(PromotionResult::promoted).findFirst().orElseThrow().state();
        assertEquals(3, three.epoch());
        awaitEverywhere(three);
        await().atMost(WAIT).untilAsserted(() -> assertEquals(List.of(2L, 3L),
                group.seen("A").stream().map(s -> s.state().epoch()).toList(), "every change, in order"));
    }

    private PromotionResult race(CountDownLatch go, String from, String node) {
        try {
            go.await();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        return group.node(from).compareAndPromote(node, 2);
    }

    @Test
    void afterAPromotion_theOldMasterCannotRenew_andTheNewOneWaitsALease_unlessItsPredecessorReleased() {
        // A long lease, so "waited a lease" and "did not" are far apart even on a loaded machine.
        ConsensusSettings settings = ConsensusSettings.withLease(Duration.ofSeconds(3));
        long lease = settings.lease().toMillis();
        start(FailoverMode.MANUAL, settings);
        await().atMost(WAIT).until(() -> group.node("A").mayAcknowledge());

        long promotedFrom = System.nanoTime(); // B cannot learn of it before this
        assertTrue(group.node("B").compareAndPromote("B", 1).promoted());
        ConsensusState.Applied renewal = group.node("A").submit(new Command.RenewLease("A", 1));
        assertFalse(renewal.accepted(), "the old master's renewal names the old epoch");
        await().atMost(WAIT).until(() -> !group.node("A").holdsLease());
        await().atMost(WAIT).until(() -> group.node("B").holdsLease());
        assertFalse(group.node("B").mayAcknowledge(), "A's lease may still run");
        await().atMost(WAIT).until(() -> group.node("B").mayAcknowledge());
        long waited = millisSince(promotedFrom);
        assertTrue(waited >= lease, "B acknowledged " + waited + " ms after the promotion was sent");

        ClusterEpoch released = group.node("B").release();
        assertTrue(released.released());
        assertFalse(group.node("B").mayAcknowledge(), "it stops before it tells the group");
        long handOver = System.nanoTime();
        PromotionResult toC = group.node("A").compareAndPromote("C", 2);
        assertEquals(new ClusterEpoch(3, "C", false, true), toC.state());
        await().atMost(WAIT).until(() -> group.node("C").mayAcknowledge());
        long tookMillis = millisSince(handOver);
        System.out.printf("consensus: planned hand-over B -> C, C acknowledges %d ms after the promotion "
                + "was sent (lease %d ms)%n", tookMillis, lease);
        assertTrue(tookMillis < lease, "no lease wait after a release: " + tookMillis + " ms");
    }

    @Test
    void automaticMode_promotesTheMostUpToDateLiveNode_whenTheMasterDies() throws Exception {
        ConsensusGroup g = start(FailoverMode.AUTOMATIC, ConsensusSettings.DEFAULT);
        g.positions.putAll(Map.of("B", 40L, "C", 41L));
        await().atMost(WAIT).until(() -> g.node("A").mayAcknowledge());
        g.makeRaftLeader("B");
        await().atMost(WAIT).until(() -> g.node("B").isRaftLeader() && g.node("A").mayAcknowledge());
        failover(g, "C", false);
    }

    @Test
    void automaticMode_theMasterHandsOffTheRaftLeadership_soItsDeathCostsNoElection() throws Exception {
        ConsensusGroup g = start(FailoverMode.AUTOMATIC, ConsensusSettings.DEFAULT);
        g.positions.putAll(Map.of("B", 7L, "C", 7L)); // a tie: B, by name
        await().atMost(WAIT).until(() -> g.node("A").mayAcknowledge());
        g.makeRaftLeader("A");
        await().atMost(WAIT).until(() -> !g.node("A").isRaftLeader()
                && (g.node("B").isRaftLeader() || g.node("C").isRaftLeader()) && g.node("A").mayAcknowledge());
        failover(g, "B", false);
    }

    /** Kills A, the master, and waits for {@code successor} to be promoted and to acknowledge. */
    private void failover(ConsensusGroup g, String successor, boolean wasLeader) throws Exception {
        String other = successor.equals("B") ? "C" : "B";
        assertEquals(wasLeader, g.node("A").isRaftLeader(), "the scenario");
        Consensus next = g.node(successor);
        // Watched from its own thread: closing A takes a while, and the clock runs from the kill.
        CompletableFuture<Long> acknowledges = CompletableFuture.supplyAsync(() -> {
            await().atMost(WAIT).pollInterval(Duration.ofMillis(2))
                    .until(() -> next.mayAcknowledge() && next.current().epoch() == 2);
            return System.nanoTime();
        });
        long lastRenewalSent = g.node("A").leaseValidUntilNanos() - ConsensusSettings.DEFAULT_LEASE.toNanos();
        long killed = System.nanoTime();
        long closeMillis = g.stopMillis("A");
        ClusterEpoch two = new ClusterEpoch(2, successor, false, true);
        awaitEverywhere(two);
        long promotedAt = g.seen(successor).stream().filter(s -> s.state().epoch() == 2).findFirst().orElseThrow()
                .atNanos();
        long acknowledgesAt = acknowledges.get();
        assertTrue(next.mayAcknowledge());
        System.out.printf("consensus: failover (master %s the Raft leader): last renewal -> promotion applied "
                        + "%d ms, kill -> promotion applied %d ms, kill -> new master acknowledges %d ms "
                        + "(lease %d ms; closing A took %d ms)%n", wasLeader ? "was" : "was not",
                (promotedAt - lastRenewalSent) / 1_000_000, (promotedAt - killed) / 1_000_000,
                (acknowledgesAt - killed) / 1_000_000, LEASE_MILLIS, closeMillis);
        assertTrue(promotedAt - lastRenewalSent >= ConsensusSettings.DEFAULT_LEASE.toNanos(),
                "promoted before A's lease could have lapsed");
        assertTrue(acknowledgesAt - killed < Duration.ofSeconds(10).toNanos());
        assertFalse(g.node(other).holdsLease());
    }

    @Test
    void manualMode_neverPromotesOnItsOwn_andAForcedPromotionRefusesANodeThatIsBehind() {
        ConsensusGroup g = start(FailoverMode.MANUAL, ConsensusSettings.DEFAULT);
        await().atMost(WAIT).until(() -> g.node("A").mayAcknowledge());
        g.stopMillis("A");
        await().during(Duration.ofMillis(3 * LEASE_MILLIS)).atMost(WAIT)
                .until(() -> g.node("B").current().epoch() == 1 && g.node("C").current().epoch() == 1);

        g.positions.put("C", 5L);
        PromotionResult unknown = g.node("B").promote("B", false);
        assertFalse(unknown.promoted());
        assertTrue(unknown.reason().contains("B did not report its position"), unknown.reason());
        g.positions.put("B", 3L);
        PromotionResult behind = g.node("B").promote("B", false);
        assertFalse(behind.promoted());
        assertTrue(behind.reason().contains("C is ahead of B (position 5 > 3)"), behind.reason());
        assertEquals(1, g.node("C").currentLinearizable().epoch());
        PromotionResult forced = g.node("B").promote("B", true);
        assertTrue(forced.promoted(), forced.reason());
        assertEquals(new ClusterEpoch(2, "B", false, false), forced.state());
        PromotionResult again = g.node("C").promote("B", true);
        assertFalse(again.promoted());
        assertTrue(again.reason().contains("already the master"), again.reason());
    }

    @Test
    void aRestartedServer_recoversTheStateFromItsDirectory_snapshotsIncluded() throws Exception {
        ConsensusSettings settings = new ConsensusSettings(ConsensusSettings.DEFAULT_LEASE,
                ConsensusSettings.DEFAULT_ELECTION_TIMEOUT_MIN, ConsensusSettings.DEFAULT_ELECTION_TIMEOUT_MAX,
                ConsensusSettings.DEFAULT_REQUEST_TIMEOUT, 16);
        ConsensusGroup g = start(FailoverMode.MANUAL, settings);
        await().atMost(WAIT).ignoreExceptions().until(() -> g.node("A").currentLinearizable().epoch() == 1);
        for (long epoch = 1; epoch <= 40; epoch++) {
            String next = epoch % 2 == 1 ? "B" : "C";
            assertTrue(g.node("A").compareAndPromote(next, epoch).promoted());
        }
        ClusterEpoch last = new ClusterEpoch(41, "C", false, false);
        awaitEverywhere(last);
        await().atMost(WAIT).until(() -> snapshots(dir.resolve("C")) > 0);

        g.stopMillis("C");
        g.start("C");
        awaitEverywhere(last);
        g.close(); // the whole group
        long restarted = System.nanoTime();
        for (String name : List.of("A", "B", "C")) {
            g.start(name);
        }
        awaitEverywhere(last); // the persisted state wins over the bootstrap one
        // A snapshot is at most 16 entries behind the end; replaying from epoch 1 would show epochs 2, 3...
        assertTrue(g.seen("A").stream().noneMatch(s -> s.atNanos() > restarted && s.state().epoch() < 41 - 16),
                "restored from a snapshot, not replayed from the start: " + g.seen("A"));
        await().atMost(WAIT).ignoreExceptions().until(() -> g.node("C").currentLinearizable().equals(last));
        assertTrue(g.node("C").compareAndPromote("A", 41).promoted(), "the restarted group takes commands");
    }

    private static long snapshots(Path nodeDir) throws Exception {
        try (Stream<Path> files = Files.walk(nodeDir)) {
            return files.filter(p -> p.getFileName().toString().matches("snapshot\\.\\d+_\\d+")).count();
        }
    }
}
