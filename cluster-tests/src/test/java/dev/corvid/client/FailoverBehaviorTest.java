package dev.corvid.client;

import static dev.corvid.client.ClusterFixture.A;
import static dev.corvid.client.ClusterFixture.B;
import static dev.corvid.client.ClusterFixture.C;
import static dev.corvid.client.ClusterFixture.delta;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.client.examples.Person;
import dev.corvid.probe.MultiProcess;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The routing table of DESIGN.md on real node processes: each failover behavior with the master
 * up and with the master killed (kill -9), for reads and writes, with the exact exceptions. Every
 * test sets up the node state it needs; the order only spares restarts.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@MultiProcess
class FailoverBehaviorTest {

    @RegisterExtension
    static final ClusterFixture CLUSTER = new ClusterFixture();

    private static final String ID = "people/failover";

    @BeforeAll
    static void seed() {
        CLUSTER.down();
        CLUSTER.seed(ID, new Person("Oren"), "People"); // the tests never change it
    }

    @Order(1)
    @ParameterizedTest
    @EnumSource(FailoverBehavior.class)
    void masterUp_readsAndWritesGoToTheMaster(FailoverBehavior behavior) {
        CLUSTER.down();
        DocumentStore store = CLUSTER.store(behavior);
        Map<String, Long> reads = CLUSTER.reads();
        Map<String, Long> writes = CLUSTER.writes();
        try (DocumentSession session = store.openSession()) { // the first session's turn is the master
            assertEquals("Oren", session.load(Person.class, ID).getName());
            session.store(new Person("Ayende"), "people/up-" + behavior.ordinal());
            session.saveChanges();
        }
        assertEquals(List.of(1L, 0L, 0L), delta(reads, CLUSTER.reads()));
        assertEquals(List.of(1L, 0L, 0L), delta(writes, CLUSTER.writes()));
    }

    @Order(2)
    @Test
    void masterUp_concurrencyErrorBadRequestAndMissing_neverFailOver() {
        CLUSTER.down();
        DocumentStore store = CLUSTER.store(FailoverBehavior.ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES);
        Map<String, Long> reads = CLUSTER.reads();
        Map<String, Long> writes = CLUSTER.writes();
        try (DocumentSession session = store.openSession()) {
            assertEquals(null, session.load(Person.class, "people/missing"));
            session.store(new Person("x"), Etag.parse("01000000-0000-0001-0000-000000000001"), ID);
            assertThrows(ConcurrencyException.class, session::saveChanges);
        }
        assertThrows(BadRequestException.class,
                () -> store.getDatabaseCommands().put("people/bad", null, Jsons.object("{}"), Jsons.object("{\"@collection\": 7}")));
        assertEquals(List.of(1L, 0L, 0L), delta(reads, CLUSTER.reads()));
        assertEquals(List.of(0L, 0L, 0L), delta(writes, CLUSTER.writes()));
    }

    @Order(4)
    @ParameterizedTest
    @EnumSource(FailoverBehavior.class)
    void masterKilled_readsFailOverUnlessFailImmediately(FailoverBehavior behavior) {
        CLUSTER.down(A);
        DocumentStore store = CLUSTER.store(behavior);
        Map<String, Long> reads = CLUSTER.reads();
        try (DocumentSession session = store.openSession()) {
            if (behavior == FailoverBehavior.FAIL_IMMEDIATELY) {
                NodeUnreachableException e = assertThrows(NodeUnreachableException.class, () -> session.load(Person.class, ID));
                assertEquals(NodeUnreachableException.class, e.getClass());
                assertEquals(CLUSTER.address(A), e.getAddress());
                assertTrue(e.getMessage().startsWith("Node " + CLUSTER.address(A) + " is unreachable (UNAVAILABLE"), e.getMessage());
            } else {
                assertEquals("Oren", session.load(Person.class, ID).getName());
            }
        }
        long expectedOnB = behavior == FailoverBehavior.FAIL_IMMEDIATELY ? 0 : 1;
        assertEquals(List.of(0L, expectedOnB, 0L), delta(reads, CLUSTER.reads()));
    }

    @Order(5)
    @ParameterizedTest
    @EnumSource(value = FailoverBehavior.class, names = "ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES",
            mode = EnumSource.Mode.EXCLUDE)
    void masterKilled_writesFailNamingTheBehavior(FailoverBehavior behavior) {
        CLUSTER.down(A);
        DocumentStore store = CLUSTER.store(behavior);
        Map<String, Long> writes = CLUSTER.writes();
        String name = switch (behavior) {
            case FAIL_IMMEDIATELY -> "FailImmediately";
            case ALLOW_READS_FROM_SECONDARIES -> "AllowReadsFromSecondaries";
            case READ_FROM_ALL_SERVERS -> "ReadFromAllServers";
            default -> throw new AssertionError(behavior);
        };
        try (DocumentSession session = store.openSession()) {
            session.store(new Person("Ayende"), "people/down-" + behavior.ordinal());
            MasterUnavailableException e = assertThrows(MasterUnavailableException.class, session::saveChanges);
            assertTrue(e.getMessage().startsWith(
                    "Could not replicate POST operation to secondary node, failover behavior is: " + name + " (Batch on the master "
                            + CLUSTER.address(A) + " failed, it is unreachable: UNAVAILABLE"), e.getMessage());
            assertEquals(CLUSTER.address(A), e.getAddress());
            assertEquals(Set.of(behavior), e.getFailoverBehavior());
            StatusRuntimeException cause = assertInstanceOf(StatusRuntimeException.class, e.getCause());
            assertEquals(Status.Code.UNAVAILABLE, cause.getStatus().getCode());
        }
        MasterUnavailableException raw = assertThrows(MasterUnavailableException.class,
                () -> store.getDatabaseCommands().delete(ID, null));
        assertTrue(raw.getMessage().startsWith("Could not replicate DELETE operation to secondary node"), raw.getMessage());
        assertEquals(List.of(0L, 0L, 0L), delta(writes, CLUSTER.writes()));
    }

    @Order(6)
    @ParameterizedTest
    @EnumSource(value = FailoverBehavior.class, names = {"ALLOW_READS_FROM_SECONDARIES", "READ_FROM_ALL_SERVERS"})
    void masterKilled_writesToSecondaries_goToTheFirstLiveReplica(FailoverBehavior combinedWith) {
        CLUSTER.down(A);
        DocumentStore store = CLUSTER.store(
                FailoverBehavior.ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES, combinedWith);
        Map<String, Long> writes = CLUSTER.writes();
        String id = "people/failover-write-" + combinedWith.ordinal();
        try (DocumentSession session = store.openSession()) {
            Person p = new Person("Written while A is down");
            session.store(p, id);
            session.saveChanges();
            assertNotNull(session.advanced().getEtagFor(p));
        }
        store.getDatabaseCommands().put(id + "-raw", null, Jsons.object("{\"name\": \"raw\"}"), null);
        assertEquals(List.of(0L, 2L, 0L), delta(writes, CLUSTER.writes()));
        try (DocumentSession session = store.openSession()) {
            assertEquals("Written while A is down", session.load(Person.class, id).getName());
        }
    }

    @Order(8)
    @Test
    void masterKilledAndFirstReplicaUnreachable_writeAndReadGoToTheNextReplica() {
        CLUSTER.down(A);
        DocumentStore store = CLUSTER.store(s -> s.getConventions().setFailoverBehavior(
                FailoverBehavior.ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES), A, "nobody", C);
        Map<String, Long> writes = CLUSTER.writes();
        Map<String, Long> reads = CLUSTER.reads();
        store.getDatabaseCommands().put("people/on-c", null, Jsons.object("{\"name\": \"c\"}"), null);
        assertEquals("c", store.getDatabaseCommands().get("people/on-c").getBody().get("name").asText());
        assertEquals(List.of(0L, 0L, 1L), delta(writes, CLUSTER.writes()));
        assertEquals(List.of(0L, 0L, 1L), delta(reads, CLUSTER.reads()));
        assertEquals(java.util.Set.of(CLUSTER.address(A), ClusterFixture.NOBODY), store.routingState().failed());
    }

    @Order(7)
    @Test
    void clientStartedWhileMasterIsDown_knowsTheReplicasFromTheTopologyCache() {
        CLUSTER.down(A); // initialize contacts no node: the urls alone are cached
        java.nio.file.Path cache = CLUSTER.newCacheDirectory();
        CLUSTER.store(s -> s.getConventions().setTopologyCacheDirectory(cache)).close(); // A, B, C: cached
        CLUSTER.down(A);
        DocumentStore onlyMaster = CLUSTER.store(s -> s.getConventions().setTopologyCacheDirectory(cache), A);
        assertEquals("Oren", onlyMaster.getDatabaseCommands().get(ID).getBody().get("name").asText());
        DocumentStore noCache = CLUSTER.store(s -> s.getConventions().setTopologyCacheDirectory(null), A);
        assertThrows(NodeUnreachableException.class, () -> noCache.getDatabaseCommands().get(ID));
    }

    @Order(3)
    @Test
    void masterKilledAndRestarted_clientReadsFromAReplicaThenReturnsToTheMasterOnItsOwn() {
        CLUSTER.down();
        DocumentStore store = CLUSTER.store(s -> { }); // default behavior and settings
        assertEquals("Oren", store.getDatabaseCommands().get(ID).getBody().get("name").asText()); // connected to A

        long readsOnB = CLUSTER.stats(B).getReadsServed();
        long killed = System.nanoTime();
        CLUSTER.kill(A);
        assertEquals("Oren", store.getDatabaseCommands().get(ID).getBody().get("name").asText());
        long replicaRead = System.nanoTime();
        assertEquals(readsOnB + 1, CLUSTER.stats(B).getReadsServed());
        assertTrue(store.routingState().isFailed(CLUSTER.address(A)));

        long restarting = System.nanoTime();
        CLUSTER.restart(A); // returns once A is healthy
        long healthy = System.nanoTime();
        long readsOnA = CLUSTER.stats(A).getReadsServed();
        await("reads served by the restarted master again").atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> {
                    store.getDatabaseCommands().get(ID);
                    return CLUSTER.stats(A).getReadsServed() > readsOnA;
                });
        long masterRead = System.nanoTime();
        System.out.printf("FAILOVER TIMES: kill -9 of the master -> first replica read %d ms; "
                        + "master healthy -> first read on it %d ms (restart() took %d ms)%n",
                Duration.ofNanos(replicaRead - killed).toMillis(), Duration.ofNanos(masterRead - healthy).toMillis(),
                Duration.ofNanos(healthy - restarting).toMillis());
        assertTrue(replicaRead - killed < Duration.ofSeconds(1).toNanos(), "failover took over 1 s");
    }
}
