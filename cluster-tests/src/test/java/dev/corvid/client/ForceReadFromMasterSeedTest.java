package dev.corvid.client;

import static dev.corvid.client.ClusterFixture.A;
import static dev.corvid.client.ClusterFixture.B;
import static dev.corvid.client.ClusterFixture.delta;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.client.examples.Product;
import dev.corvid.probe.MultiProcess;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The second seed document, "Optimistic Concurrency and Replication", on real nodes: with reads
 * load-balanced ({@code READ_FROM_ALL_SERVERS}) and optimistic concurrency on, a session that read
 * from a replica holds the replica's etag, which never matches the master's (every node stamps its
 * own etag sequence), so the master rejects the save although nobody else wrote. Inside
 * {@code forceReadFromMaster()} the session reads the master's etag and the save succeeds, and a
 * real concurrent change is still caught.
 */
@MultiProcess
class ForceReadFromMasterSeedTest {

    @RegisterExtension
    static final ClusterFixture CLUSTER = new ClusterFixture();

    private static final String ID = "products/999";

    private Map<String, Etag> etags;
    private DocumentStore store;

    @BeforeEach
    void productOnEveryNode() {
        CLUSTER.down();
        etags = CLUSTER.seed(ID, new Product("Some Name"), "Products");
        store = store(ReplicaEtagPolicy.SEND_AS_IS); // RavenDB 3.x: the master does the check
    }

    private DocumentStore store(ReplicaEtagPolicy policy) {
        DocumentStore store = CLUSTER.store(s -> {
            s.getConventions().setDefaultUseOptimisticConcurrency(true);
            s.getConventions().setFailoverBehavior(FailoverBehavior.READ_FROM_ALL_SERVERS);
            s.getConventions().setReplicaEtagPolicy(policy);
        });
        store.openSession().close(); // the master's turn: the next session reads from replica B
        return store;
    }

    @Test
    void sessionStripedToAReplica_savesWithTheReplicasEtag_andTheMasterRejectsIt() {
        assertNotEquals(etags.get(A), etags.get(B), "every node stamps its own etags");
        Map<String, Long> writes = CLUSTER.writes();
        try (DocumentSession session = store.openSession()) {
            Product product = session.load(Product.class, ID);
            assertEquals(etags.get(B), session.advanced().getEtagFor(product));
            product.setName("New Name");
            ConcurrencyException e = assertThrows(ConcurrencyException.class, session::saveChanges);
            assertEquals(ID, e.getDocumentId());
            assertEquals(etags.get(B), e.getExpectedEtag());
            assertEquals(etags.get(A), e.getActualEtag(), "nobody else wrote: the master's version is unchanged");
        }
        assertEquals(List.of(0L, 0L, 0L), delta(writes, CLUSTER.writes()));
    }

    @SuppressWarnings("try") // a ReadScope acts by being open; the body never names it
    @Test
    void insideForceReadFromMaster_theSessionLoadsTheMastersEtag_andTheSaveSucceeds() {
        try (DocumentSession session = store.openSession();
             ReadScope scope = session.getDatabaseCommands().forceReadFromMaster()) {
            Product product = session.load(Product.class, ID);
            assertEquals(etags.get(A), session.advanced().getEtagFor(product));
            product.setName("New Name");
            session.saveChanges();
        }
        try (DocumentSession session = store.openSession(new SessionOptions().setForceReadFromMaster(true))) {
            assertEquals("New Name", session.load(Product.class, ID).getName());
        }
    }

    @SuppressWarnings("try") // a ReadScope acts by being open; the body never names it
    @Test
    void insideForceReadFromMaster_aRealConcurrentChangeIsStillCaught() {
        try (DocumentSession session = store.openSession();
             ReadScope scope = session.getDatabaseCommands().forceReadFromMaster()) {
            Product product = session.load(Product.class, ID);

            Etag changedByOther;
            try (DocumentSession other = store.openSession(new SessionOptions().setForceReadFromMaster(true))) {
                Product otherProduct = other.load(Product.class, ID);
                otherProduct.setName("Other Name");
                other.saveChanges();
                changedByOther = other.advanced().getEtagFor(otherProduct);
            }

            product.setName("Better Name");
            ConcurrencyException e = assertThrows(ConcurrencyException.class, session::saveChanges);
            assertEquals(etags.get(A), e.getExpectedEtag());
            assertEquals(changedByOther, e.getActualEtag());
        }
    }

    // ---- beyond the seed: the session knows which node issued each etag ----

    @Test
    void failFast_refusesToSendAReplicaEtag_namingTheReplica() {
        DocumentStore failFast = store(ReplicaEtagPolicy.FAIL_FAST);
        assertEquals(ReplicaEtagPolicy.SEND_AS_IS, new DocumentStore("h:1").getConventions().getReplicaEtagPolicy());
        Map<String, Long> writes = CLUSTER.writes();
        try (DocumentSession session = failFast.openSession()) {
            Product product = session.load(Product.class, ID);
            product.setName("New Name");
            ReplicaEtagConcurrencyException e = assertThrows(ReplicaEtagConcurrencyException.class, session::saveChanges);
            assertEquals(CLUSTER.address(B), e.getReplicaAddress());
            assertEquals(etags.get(B), e.getExpectedEtag());
            assertTrue(e.getMessage().contains("replica " + CLUSTER.address(B)) && e.getMessage().contains("forceReadFromMaster()"),
                    e.getMessage());
            session.delete(product);
            assertThrows(ReplicaEtagConcurrencyException.class, session::saveChanges, "deletes are checked too");
        }
        assertEquals(List.of(0L, 0L, 0L), delta(writes, CLUSTER.writes()), "nothing was sent");
    }

    @Test
    void checkMasterEtag_replicaCopyCurrent_theSaveSucceeds() {
        DocumentStore checking = store(ReplicaEtagPolicy.CHECK_MASTER_ETAG);
        try (DocumentSession session = checking.openSession()) {
            Product product = session.load(Product.class, ID);
            assertEquals(etags.get(B), session.advanced().getEtagFor(product), "read from the replica");
            product.setName("New Name");
            session.saveChanges();
            assertNotEquals(etags.get(A), session.advanced().getEtagFor(product));
        }
        assertEquals("New Name", CLUSTER.store(s -> { }).getDatabaseCommands().get(ID).getBody().get("name").asText());
    }

    @Test
    void checkMasterEtag_replicaCopyStale_stillRejected() {
        DocumentStore checking = store(ReplicaEtagPolicy.CHECK_MASTER_ETAG);
        try (DocumentSession session = checking.openSession()) {
            Product product = session.load(Product.class, ID);
            assertEquals(etags.get(B), session.advanced().getEtagFor(product), "read from the replica");
            // The master moves on after the replica's copy was read: that copy is now stale.
            Etag newer = checking.getDatabaseCommands().put(ID, null,
                    Jsons.object("{\"name\": \"Changed on the master\"}"), Jsons.object("{\"@collection\": \"Products\"}"));
            product.setName("New Name");
            ConcurrencyException e = assertThrows(ConcurrencyException.class, session::saveChanges);
            assertEquals(ConcurrencyException.class, e.getClass());
            assertEquals(etags.get(A), e.getExpectedEtag(), "checked against the master's etag of the replica's version");
            assertEquals(newer, e.getActualEtag());
        }
    }
}
