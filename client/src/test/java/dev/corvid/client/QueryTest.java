package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.client.examples.Person;
import dev.corvid.client.examples.Product;
import dev.corvid.probe.MultiProcess;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Collection queries: filters, ordering, paging, and tracking of the results. */
@MultiProcess
class QueryTest {

    @RegisterExtension
    static final RealNode NODE = new RealNode();

    @BeforeAll
    static void people() {
        try (DocumentStore store = new DocumentStore(NODE.address()).initialize();
                DocumentSession session = store.openSession()) {
            session.store(new Person("Ayende", 40), "people/1");
            session.store(new Person("Oren", 35), "people/2");
            session.store(new Person("Fitzchak", 30), "people/3");
            session.store(new Person("Itamar", 35), "people/4");
            session.store(new Person("Tal", 25), "people/5");
            session.saveChanges();
        }
    }

    private static List<String> names(List<Person> people) {
        return people.stream().map(Person::getName).toList();
    }

    @Test
    void whereEquals_matchesAField() {
        try (DocumentSession session = NODE.store().openSession()) {
            assertEquals(List.of("Oren", "Itamar"), names(session.query(Person.class).whereEquals("age", 35).toList()));
            assertEquals(List.of("Tal"), names(session.query(Person.class).whereEquals("name", "Tal").toList()));
        }
    }

    @Test
    void rangeFilters_andOrdering() {
        try (DocumentSession session = NODE.store().openSession()) {
            assertEquals(List.of("Ayende"), names(session.query(Person.class).whereGreaterThan("age", 35).toList()));
            assertEquals(List.of("Oren", "Itamar", "Ayende"), names(session.query(Person.class)
                    .whereGreaterThanOrEqual("age", 35).orderBy("age").toList()));
            assertEquals(List.of("Tal"), names(session.query(Person.class).whereLessThan("age", 30).toList()));
            assertEquals(List.of("Tal", "Fitzchak"), names(session.query(Person.class)
                    .whereLessThanOrEqual("age", 30).orderBy("age").toList()));
            assertEquals(List.of("Itamar", "Oren", "Fitzchak"), names(session.query(Person.class)
                    .whereBetween("age", 30, 35).orderByDescending("age").orderBy("name").toList()));
        }
    }

    @Test
    void skipAndTake_page_andFirstOrNull() {
        try (DocumentSession session = NODE.store().openSession()) {
            assertEquals(List.of("Fitzchak", "Itamar"), names(session.query(Person.class)
                    .orderBy("age", "name").skip(1).take(2).toList()));
            assertEquals("Ayende", session.query(Person.class).orderByDescending("age").firstOrNull().getName());
            assertNull(session.query(Person.class).whereEquals("name", "Nobody").firstOrNull());
        }
    }

    @Test
    void results_areTrackedLikeLoadedEntities() {
        try (DocumentSession session = NODE.store().openSession()) {
            Person loaded = session.load(Person.class, "people/2");
            Person queried = session.query(Person.class).whereEquals("name", "Oren").firstOrNull();
            assertSame(loaded, queried);
            Person tal = session.query(Person.class).whereEquals("name", "Tal").firstOrNull();
            assertEquals("people/5", tal.getId());
            assertNotNull(session.advanced().getEtagFor(tal));
            assertSame(tal, session.load(Person.class, "people/5"));
            assertEquals(3, session.advanced().getNumberOfRequests());
        }
    }

    @Test
    void queriedEntity_changed_isSavedWithItsEtag() {
        DocumentStore store = NODE.store();
        try (DocumentSession session = store.openSession()) {
            session.advanced().setUseOptimisticConcurrency(true);
            Person tal = session.query(Person.class).whereEquals("name", "Tal").firstOrNull();
            tal.setAge(26);
            session.saveChanges();
            tal.setAge(25);
            session.saveChanges();
        }
    }

    @Test
    void documentsDeletedInTheSession_areLeftOut() {
        try (DocumentSession session = NODE.store().openSession()) {
            session.delete("people/5");
            assertNull(session.query(Person.class).whereEquals("name", "Tal").firstOrNull());
            assertNull(session.load(Person.class, "people/5"));
        }
    }

    @Test
    void collectionNeverStored_givesAnEmptyList() {
        try (DocumentSession session = NODE.store().openSession()) {
            assertTrue(session.query(Product.class).toList().isEmpty());
            assertNull(session.query(Product.class).firstOrNull());
        }
    }
}
