package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;



import dev.corvid.client.examples.Person;
import dev.corvid.client.examples.Product;
import dev.corvid.probe.MultiProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The two seed documents, as tests against a real node. */
@MultiProcess
class SeedExamplesTest {

    @RegisterExtension
    static final RealNode NODE = new RealNode();

    /** Session: How to enable optimistic concurrency? Example I. */
    @Test
    void exampleOne_anotherSessionChangesTheProduct_saveChangesThrows() {
        DocumentStore store = NODE.store();
        try (DocumentSession seed = store.openSession()) {
            seed.store(new Product("Original"), "products/999");
            seed.saveChanges();
        }
        try (DocumentSession session = store.openSession()) {
            session.advanced().setUseOptimisticConcurrency(true);
            Product product = new Product("Some Name");
            session.store(product, "products/999");

            try (DocumentSession otherSession = store.openSession()) {
                Product otherProduct = otherSession.load(Product.class, "products/999");
                otherProduct.setName("Other Name");
                otherSession.saveChanges();
            }

            product.setName("Better Name");
            ConcurrencyException e = assertThrows(ConcurrencyException.class, session::saveChanges);
            assertEquals("products/999", e.getDocumentId());
            assertEquals(Etag.EMPTY, e.getExpectedEtag());
            assertNotNull(e.getActualEtag());
            assertTrue(e.getMessage().contains("PUT attempted on document 'products/999' using a non current etag"),
                    e.getMessage());
        }
        try (DocumentSession check = store.openSession()) {
            assertEquals("Other Name", check.load(Product.class, "products/999").getName());
        }
    }

    /** Example II: the convention turns optimistic concurrency on for every new session. */
    @Test
    void exampleTwo_defaultUseOptimisticConcurrency_newSessionsReportTrue() {
        DocumentStore store = NODE.store(s -> s.getConventions().setDefaultUseOptimisticConcurrency(true));
        try (DocumentSession session = store.openSession()) {
            assertTrue(session.advanced().isUseOptimisticConcurrency());
        }
        try (DocumentSession session = NODE.store().openSession()) {
            assertEquals(false, session.advanced().isUseOptimisticConcurrency());
        }
    }

    /** The article, one session: a change by another user between load and save is caught. */
    @Test
    void article_oneSession_concurrentChangeIsCaught() {
        DocumentStore store = NODE.store();
        String id;
        try (DocumentSession session = store.openSession()) {
            Person person = new Person("Original Name");
            session.store(person);
            session.saveChanges();
            id = person.getId();
        }
        try (DocumentSession session = store.openSession()) {
            session.advanced().setUseOptimisticConcurrency(true);
            Person person = session.load(Person.class, id);

            try (DocumentSession otherUser = store.openSession()) {
                otherUser.load(Person.class, id).setName("Changed By Someone Else");
                otherUser.saveChanges();
            }

            person.setName("New Name");
            ConcurrencyException e = assertThrows(ConcurrencyException.class, session::saveChanges);
            assertEquals(id, e.getDocumentId());
            assertEquals(session.advanced().getEtagFor(person), e.getExpectedEtag());
            assertNotEquals(e.getExpectedEtag(), e.getActualEtag());
        }
    }

    /** The article, one session, nobody else writing: the save goes through. */
    @Test
    void article_oneSession_withoutConcurrentChange_saves() {
        DocumentStore store = NODE.store();
        try (DocumentSession session = store.openSession()) {
            session.store(new Person("Original Name"), "people/article-quiet");
            session.saveChanges();
        }
        try (DocumentSession session = store.openSession()) {
            session.advanced().setUseOptimisticConcurrency(true);
            Person person = session.load(Person.class, "people/article-quiet");
            Etag loaded = session.advanced().getEtagFor(person);
            person.setName("New Name");
            session.saveChanges();
            assertNotEquals(loaded, session.advanced().getEtagFor(person));
        }
    }

    /**
     * The article, two sessions: the etag travels with the entity in an {@code @JsonIgnore}
     * property kept current by the two listeners, and the update session passes it to store.
     */
    @Test
    void article_twoSessions_withListeners_concurrentChangeIsCaught() {
        DocumentStore store = NODE.store(s -> s
                .registerListener(new EtagConversionListener())
                .registerListener(new EtagStoreListener()));

        Person created = new Person("Original Name");
        try (DocumentSession session = store.openSession()) {
            session.store(created);
            session.saveChanges();
        }
        assertNotNull(created.getEtag(), "EtagStoreListener sets the etag after saveChanges");

        Person fromGet = get(store, created.getId());              // controller Load: session 1
        assertEquals(created.getEtag(), fromGet.getEtag(), "EtagConversionListener sets the loaded etag");

        fromGet.setName("Renamed Once");
        update(store, fromGet);                                    // controller Update: session 2
        assertNotEquals(created.getEtag(), fromGet.getEtag(), "the update stamps a new etag");

        Person stale = get(store, created.getId());
        Person concurrent = get(store, created.getId());
        concurrent.setName("Renamed By Another User");
        update(store, concurrent);

        stale.setName("Renamed From A Stale Page");
        ConcurrencyException e = assertThrows(ConcurrencyException.class, () -> update(store, stale));
        assertEquals(created.getId(), e.getDocumentId());
        assertEquals(stale.getEtag(), e.getExpectedEtag());
        assertEquals(concurrent.getEtag(), e.getActualEtag());
        assertEquals("Renamed By Another User", get(store, created.getId()).getName());
    }

    private static Person get(DocumentStore store, String id) {
        try (DocumentSession session = store.openSession()) {
            return session.load(Person.class, id);
        }
    }

    private static void update(DocumentStore store, Person person) {
        try (DocumentSession session = store.openSession()) {
            session.advanced().setUseOptimisticConcurrency(true);
            session.store(person, person.getEtag());
            session.saveChanges();
        }
    }
}
