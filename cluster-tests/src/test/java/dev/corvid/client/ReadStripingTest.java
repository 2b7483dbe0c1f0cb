package dev.corvid.client;

import static dev.corvid.client.ClusterFixture.delta;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.client.examples.Product;
import dev.corvid.probe.MultiProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * READ_FROM_ALL_SERVERS on three healthy real nodes: per-session striping, and force-read-from-
 * master for a whole session or inside (nested, per-session, per-thread) scopes, observed through
 * each node's read counter.
 */
@MultiProcess
class ReadStripingTest {

    @RegisterExtension
    static final ClusterFixture CLUSTER = new ClusterFixture();

    private static final String ID = "products/striping";

    private DocumentStore store;

    @BeforeEach
    void threeHealthyNodes() {
        CLUSTER.down();
        CLUSTER.seed(ID, new Product("Some Name"), "Products");
        store = CLUSTER.store(FailoverBehavior.READ_FROM_ALL_SERVERS);
    }

    /** One load in a new session per element; the reads each node served meanwhile, A, B, C. */
    private List<Long> oneLoadPerSession(int sessions, SessionOptions options) {
        Map<String, Long> before = CLUSTER.reads();
        for (int i = 0; i < sessions; i++) {
            try (DocumentSession session = store.openSession(options)) {
                assertEquals("Some Name", session.load(Product.class, ID).getName());
            }
        }
        return delta(before, CLUSTER.reads());
    }

    @Test
    void sixSessions_oneLoadEach_twoReadsPerNode() {
        assertEquals(List.of(2L, 2L, 2L), oneLoadPerSession(6, new SessionOptions()));
    }

    @Test
    void sixSessionsForcedToTheMaster_allSixReadsOnTheMaster() {
        assertEquals(List.of(6L, 0L, 0L), oneLoadPerSession(6, new SessionOptions().setForceReadFromMaster(true)));
    }

    @Test
    void aSessionKeepsItsServerForAllItsReads() {
        store.openSession().close(); // takes the master's turn
        Map<String, Long> before = CLUSTER.reads();
        try (DocumentSession session = store.openSession()) { // replica B's turn
            for (int i = 0; i < 3; i++) {
                session.getDatabaseCommands().get(ID);
            }
            session.query(Product.class).toList();
        }
        assertEquals(List.of(0L, 4L, 0L), delta(before, CLUSTER.reads()));
    }

    @SuppressWarnings("try") // a ReadScope acts by being open; the body never names it
    @Test
    void sixSessions_eachInsideAScope_allReadsOnTheMaster_andTheTurnsContinueAfterwards() {
        Map<String, Long> before = CLUSTER.reads();
        List<DocumentSession> sessions = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            DocumentSession session = store.openSession();
            sessions.add(session);
            try (ReadScope scope = session.getDatabaseCommands().forceReadFromMaster()) {
                session.getDatabaseCommands().get(ID);
            }
        }
        assertEquals(List.of(6L, 0L, 0L), delta(before, CLUSTER.reads()));
        before = CLUSTER.reads();
        for (DocumentSession session : sessions) { // scope closed: each back on its own server
            session.getDatabaseCommands().get(ID);
            session.close();
        }
        assertEquals(List.of(2L, 2L, 2L), delta(before, CLUSTER.reads()));
    }

    @Test
    void nestedScopes_closingRestoresThePreviousRouting() {
        store.openSession().close(); // the master's turn
        try (DocumentSession session = store.openSession()) { // B
            DatabaseCommands commands = session.getDatabaseCommands();
            Map<String, Long> before = CLUSTER.reads();
            ReadScope outer = commands.forceReadFromMaster();
            commands.get(ID);                                   // A
            ReadScope inner = commands.forceReadFromMaster();
            commands.get(ID);                                   // A
            inner.close();
            inner.close();                                      // idempotent: does not end the outer one
            commands.get(ID);                                   // A: the outer scope is still open
            outer.close();
            commands.get(ID);                                   // B again
            assertEquals(List.of(3L, 1L, 0L), delta(before, CLUSTER.reads()));
        }
    }

    @SuppressWarnings("try") // a ReadScope acts by being open; the body never names it
    @Test
    void scopesOnTwoThreads_withTwoSessions_affectOnlyTheirOwnSession() throws Exception {
        store.openSession().close(); // the master's turn
        DocumentSession onB = store.openSession();
        DocumentSession onC = store.openSession();
        CyclicBarrier scopeOpen = new CyclicBarrier(2);
        CyclicBarrier readsDone = new CyclicBarrier(2);
        Map<String, Long> before = CLUSTER.reads();
        CompletableFuture<Void> scoped = CompletableFuture.runAsync(() -> {
            try (ReadScope scope = onB.getDatabaseCommands().forceReadFromMaster()) {
                await(scopeOpen);
                onB.getDatabaseCommands().get(ID);              // A
                await(readsDone);
            }
        });
        CompletableFuture<Void> unscoped = CompletableFuture.runAsync(() -> {
            await(scopeOpen);                                   // while the other session's scope is open
            onC.getDatabaseCommands().get(ID);                  // C
            await(readsDone);
        });
        CompletableFuture.allOf(scoped, unscoped).get(30, TimeUnit.SECONDS);
        assertEquals(List.of(1L, 0L, 1L), delta(before, CLUSTER.reads()));
        onB.getDatabaseCommands().get(ID);                      // scope closed on its thread: B again
        assertEquals(List.of(1L, 1L, 1L), delta(before, CLUSTER.reads()));
        onB.close();
        onC.close();
    }

    @SuppressWarnings("try") // a ReadScope acts by being open; the body never names it
    @Test
    void storeLevelCommands_readFromTheMaster_andTheirScopeChangesNothing() {
        Map<String, Long> before = CLUSTER.reads();
        try (ReadScope scope = store.getDatabaseCommands().forceReadFromMaster()) {
            store.getDatabaseCommands().get(ID);
        }
        store.getDatabaseCommands().get(ID);
        assertEquals(List.of(2L, 0L, 0L), delta(before, CLUSTER.reads()));
        assertTrue(store.getConventions().hasFailoverBehavior(FailoverBehavior.READ_FROM_ALL_SERVERS));
    }

    private static void await(CyclicBarrier barrier) {
        try {
            barrier.await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
