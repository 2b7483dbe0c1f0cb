package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.corvid.client.examples.Person;
import dev.corvid.probe.MultiProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The library's seed listeners keep an entity's {@code Etag etag} property current, by setter or by field. */
@MultiProcess
class EtagListenersTest {

    @RegisterExtension
    static final RealNode NODE = new RealNode();

    /** Only a field, no setter. */
    public static class Invoice {
        public String id;
        public int total;
        @JsonIgnore
        Etag etag;
    }

    private DocumentStore store() {
        return NODE.store(s -> s.registerListener(new EtagConversionListener()).registerListener(new EtagStoreListener()));
    }

    @Test
    void twoSessions_theEtagTravelsWithTheEntity_andCatchesAConcurrentChange() {
        DocumentStore store = store();
        Person saved = new Person("Ayende");
        try (DocumentSession session = store.openSession()) {
            session.store(saved);
            session.saveChanges();
            assertEquals(session.advanced().getEtagFor(saved), saved.getEtag(), "afterStore set the new etag");
        }
        Person shown;
        try (DocumentSession session = store.openSession()) {
            shown = session.load(Person.class, saved.getId());
            assertEquals(saved.getEtag(), shown.getEtag(), "afterConversionToEntity set the loaded etag");
        }
        try (DocumentSession other = store.openSession()) {
            other.load(Person.class, saved.getId()).setName("Oren");
            other.saveChanges();
        }
        shown.setName("Itamar");
        try (DocumentSession session = store.openSession()) {
            session.store(shown, shown.getEtag());
            ConcurrencyException e = assertThrows(ConcurrencyException.class, session::saveChanges);
            assertEquals(saved.getId(), e.getDocumentId());
            assertEquals(shown.getEtag(), e.getExpectedEtag());
        }
        try (DocumentSession session = store.openSession()) {
            assertEquals("Oren", session.load(Person.class, saved.getId()).getName());
        }
    }

    @Test
    void aFieldWithoutSetter_isKeptCurrentToo_andEntitiesWithoutOneAreLeftAlone() {
        DocumentStore store = store();
        Invoice invoice = new Invoice();
        invoice.total = 42;
        try (DocumentSession session = store.openSession()) {
            session.store(invoice);
            session.store(new dev.corvid.client.examples.Product("no etag property"), "products/plain");
            session.saveChanges();
            assertNotNull(invoice.etag);
            assertEquals(session.advanced().getEtagFor(invoice), invoice.etag);
        }
        try (DocumentSession session = store.openSession()) {
            Invoice loaded = session.load(Invoice.class, invoice.id);
            assertEquals(invoice.etag, loaded.etag);
            assertNull(store.getDatabaseCommands().get(invoice.id).getBody().get("etag"),
                    "@JsonIgnore keeps the etag out of the document");
        }
    }
}
