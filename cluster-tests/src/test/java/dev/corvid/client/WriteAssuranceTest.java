package dev.corvid.client;

import static dev.corvid.client.ClusterFixture.A;
import static dev.corvid.client.ClusterFixture.B;
import static dev.corvid.client.ClusterFixture.C;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corvid.client.examples.Person;
import dev.corvid.proto.Document;
import dev.corvid.probe.MultiProcess;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Write assurance ({@code waitForReplicationAfterSaveChanges}, {@link DatabaseCommands#withWriteAssurance},
 * {@link Conventions#setWriteAssurance}) against real node processes: master A, replicas B and C.
 * "A replica has it" is read directly from the replica's own storage right after the call returns.
 */
@MultiProcess
class WriteAssuranceTest {

    @RegisterExtension
    static final ClusterFixture CLUSTER = new ClusterFixture();

    private static final int SAVES = 100;

    /** Whether {@code node} holds {@code id} with {@code name} in its body. */
    private static boolean has(String node, String id, String name) {
        Optional<Document> copy = CLUSTER.find(node, id);
        return copy.isPresent() && copy.get().getBodyJson().toString(StandardCharsets.UTF_8).contains("\"" + name + "\"");
    }

    @Test
    void saveChanges_waitingForTwoReplicas_returnsOnlyOnceBothHaveTheBatch_everyTime() {
        CLUSTER.down();
        DocumentStore store = CLUSTER.store(s -> { });
        for (int i = 0; i < SAVES; i++) {
            String name = "both-" + i;
            try (DocumentSession session = store.openSession()) {
                session.advanced().waitForReplicationAfterSaveChanges(o -> o.numberOfReplicas(2)
                        .withTimeout(Duration.ofSeconds(20)));
                session.store(new Person(name), "assured/both/" + i);
                session.saveChanges();
            }
            assertTrue(has(B, "assured/both/" + i, name) && has(C, "assured/both/" + i, name),
                    "save " + i + " returned before both replicas had it");
        }
    }

    @Test
    void saveChanges_waitingForAMajority_returnsOnlyOnceOneReplicaOfThreeNodesHasIt_everyTime() {
        CLUSTER.down();
        DocumentStore store = CLUSTER.store(s -> { });
        for (int i = 0; i < SAVES; i++) {
            String name = "majority-" + i;
            try (DocumentSession session = store.openSession()) {
                session.advanced().waitForReplicationAfterSaveChanges(o -> o.numberOfReplicas(0).majority(true));
                session.store(new Person(name), "assured/majority/" + i);
                session.saveChanges();
            }
            assertTrue(has(B, "assured/majority/" + i, name) || has(C, "assured/majority/" + i, name),
                    "save " + i + " returned before any replica had it");
        }
    }

    @Test
    void replicasThatDoNotAnswer_timeTheWaitOut_theBatchStaysOnTheMaster_andReachesThemWhenTheyAreBack() {
        CLUSTER.down();
        DocumentStore store = CLUSTER.store(s -> { });
        CLUSTER.pause(B);
        CLUSTER.pause(C);
        try {
            Person person = new Person("paused");
            long started = System.nanoTime();
            ReplicationTimeoutException e;
            try (DocumentSession session = store.openSession()) {
                session.advanced().waitForReplicationAfterSaveChanges(o -> o.withTimeout(Duration.ofMillis(500)));
                session.store(person, "assured/paused");
                e = assertThrows(ReplicationTimeoutException.class, session::saveChanges);
                // The batch happened: the session knows its etag and the next save is an update.
                Etag etag = session.advanced().getEtagFor(person);
                assertEquals(etag, store.getDatabaseCommands().get("assured/paused").getEtag());
                person.setName("paused, saved again");
                session.advanced().waitForReplicationAfterSaveChanges(o -> o.withTimeout(Duration.ofMillis(200))
                        .throwOnTimeout(false));
                session.saveChanges(); // unmet, and told not to throw
            }
            long tookMs = (System.nanoTime() - started) / 1_000_000;
            assertTrue(tookMs >= 500, "the master waited its timeout: " + tookMs + " ms");
            assertEquals(List.of("assured/paused"), e.getDocumentIds());
            assertEquals(1, e.getRequiredReplicas());
            assertEquals(0, e.getConfirmedReplicas());
            assertTrue(e.getMessage().contains("is durable on the master") && e.getMessage().contains("not undone")
                    && e.getMessage().contains("within 500 ms"), e.getMessage());
        } finally {
            CLUSTER.resume(B);
            CLUSTER.resume(C);
        }
        await("the paused replicas get the batch once back").atMost(Duration.ofSeconds(30))
                .until(() -> has(B, "assured/paused", "paused, saved again") && has(C, "assured/paused", "paused, saved again"));
    }

    @Test
    void oneReplicaPaused_oneReplicaAsked_isMetByTheOther_twoAsked_timesOut() {
        CLUSTER.down();
        DocumentStore store = CLUSTER.store(s -> { });
        CLUSTER.pause(B);
        try {
            DatabaseCommands one = store.getDatabaseCommands().withWriteAssurance(WriteAssurance.builder().build());
            one.put("assured/one", null, body("one"), metadata());
            assertTrue(has(C, "assured/one", "one"));

            DatabaseCommands two = store.getDatabaseCommands().withWriteAssurance(WriteAssurance.builder()
                    .numberOfReplicas(2).withTimeout(Duration.ofMillis(300)).build());
            ReplicationTimeoutException e = assertThrows(ReplicationTimeoutException.class,
                    () -> two.put("assured/two", null, body("two"), metadata()));
            assertEquals(1, e.getConfirmedReplicas());
            assertEquals(2, e.getRequiredReplicas());
            assertTrue(has(C, "assured/two", "two") && has(A, "assured/two", "two"));
            ReplicationTimeoutException deleted = assertThrows(ReplicationTimeoutException.class,
                    () -> two.delete("assured/two", null));
            assertEquals(List.of("assured/two"), deleted.getDocumentIds());
            assertTrue(CLUSTER.find(A, "assured/two").isEmpty(), "the delete happened on the master");
        } finally {
            CLUSTER.resume(B);
        }
    }

    @Test
    void askingForMoreReplicasThanTheClusterHas_isRefusedBeforeAnythingIsWritten() {
        CLUSTER.down();
        DocumentStore store = CLUSTER.store(s -> { });
        try (DocumentSession session = store.openSession()) {
            session.advanced().waitForReplicationAfterSaveChanges(o -> o.numberOfReplicas(3));
            session.store(new Person("too many"), "assured/too-many");
            BadRequestException e = assertThrows(BadRequestException.class, session::saveChanges);
            assertTrue(e.getMessage().contains("asks for 3 replicas") && e.getMessage().contains("has 2"), e.getMessage());
        }
        assertTrue(CLUSTER.find(A, "assured/too-many").isEmpty(), "nothing was written");
        assertThrows(IllegalArgumentException.class, () -> WriteAssurance.builder().numberOfReplicas(-1));
        assertThrows(IllegalArgumentException.class, () -> WriteAssurance.builder().withTimeout(Duration.ZERO));
    }

    @Test
    void theStoresDefault_appliesToEverySessionAndToItsCommands() {
        CLUSTER.down();
        WriteAssurance both = WriteAssurance.builder().numberOfReplicas(2).build();
        DocumentStore store = CLUSTER.store(s -> s.getConventions().setWriteAssurance(both));
        assertEquals(both, store.getDatabaseCommands().getWriteAssurance());
        for (int i = 0; i < 20; i++) {
            try (DocumentSession session = store.openSession()) {
                assertEquals(both, session.advanced().getWriteAssurance());
                session.store(new Person("default-" + i), "assured/default/" + i);
                session.saveChanges();
            }
            assertTrue(has(B, "assured/default/" + i, "default-" + i) && has(C, "assured/default/" + i, "default-" + i));
            store.getDatabaseCommands().put("assured/raw/" + i, null, body("raw-" + i), metadata());
            assertTrue(has(B, "assured/raw/" + i, "raw-" + i) && has(C, "assured/raw/" + i, "raw-" + i));
        }
        assertFalse(WriteAssurance.NONE.isRequested());
    }

    private static ObjectNode body(String name) {
        return JsonNodeFactory.instance.objectNode().put("name", name);
    }

    private static ObjectNode metadata() {
        return JsonNodeFactory.instance.objectNode().put("@collection", "Things");
    }
}
