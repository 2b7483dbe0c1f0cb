package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.corvid.client.examples.Person;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Store and conventions behaviour that needs no node (channels connect on the first call). */
class ConventionsTest {

    @Test
    void defaults() {
        try (DocumentStore store = new DocumentStore("127.0.0.1:7001")) {
            Conventions c = store.getConventions();
            assertFalse(c.isDefaultUseOptimisticConcurrency());
            assertEquals(30, c.getMaxNumberOfRequestsPerSession());
            assertEquals(Duration.ofSeconds(10), c.getRequestTimeout());
            assertEquals("People", c.getCollectionName(Person.class));
        }
    }

    @Test
    void everySetter_afterInitialize_throwsSayingConventionsFreeze() {
        try (DocumentStore store = new DocumentStore("127.0.0.1:7001")) {
            Conventions c = store.getConventions();
            c.setDefaultUseOptimisticConcurrency(true);
            store.initialize();
            assertTrue(c.isFrozen());
            assertFrozen(() -> c.setDefaultUseOptimisticConcurrency(false));
            assertFrozen(() -> c.setMaxNumberOfRequestsPerSession(5));
            assertFrozen(() -> c.setRequestTimeout(Duration.ofSeconds(1)));
            assertFrozen(() -> c.setObjectMapper(new ObjectMapper()));
            assertTrue(c.isDefaultUseOptimisticConcurrency());
        }
    }

    private static void assertFrozen(Executable setter) {
        IllegalStateException e = assertThrows(IllegalStateException.class, setter);
        assertTrue(e.getMessage().contains("conventions freeze at initialize()"), e.getMessage());
    }

    @Test
    void initialize_isIdempotent_andSessionsNeedIt() {
        try (DocumentStore store = new DocumentStore("127.0.0.1:7001")) {
            IllegalStateException e = assertThrows(IllegalStateException.class, store::openSession);
            assertTrue(e.getMessage().contains("initialize()"), e.getMessage());
            assertSame(store, store.initialize());
            assertSame(store, store.initialize());
            store.openSession().close();
        }
    }

    @Test
    void closedStore_refusesSessions_andCloseIsIdempotent() {
        DocumentStore store = new DocumentStore("127.0.0.1:7001").initialize();
        store.close();
        store.close();
        assertThrows(IllegalStateException.class, store::openSession);
    }

    @Test
    void exampleTwo_defaultUseOptimisticConcurrency_newSessionsReportTrue() {
        try (DocumentStore store = new DocumentStore("127.0.0.1:7001")) {
            store.getConventions().setDefaultUseOptimisticConcurrency(true);
            store.initialize();
            try (DocumentSession session = store.openSession()) {
                assertTrue(session.advanced().isUseOptimisticConcurrency());
            }
        }
    }

    @Test
    void urls_areHostPort_masterFirst() {
        DocumentStore store = new DocumentStore("http://127.0.0.1:7001/", "127.0.0.1:7002");
        assertEquals(List.of("127.0.0.1:7001", "127.0.0.1:7002"), store.getUrls());
        assertThrows(IllegalArgumentException.class, () -> new DocumentStore());
        assertThrows(IllegalArgumentException.class, () -> new DocumentStore("localhost"));
        assertThrows(IllegalArgumentException.class, () -> new DocumentStore("localhost:99999"));
    }

    @Test
    void conventionSetters_rejectNonsense() {
        Conventions c = new DocumentStore("127.0.0.1:7001").getConventions();
        assertThrows(IllegalArgumentException.class, () -> c.setMaxNumberOfRequestsPerSession(0));
        assertThrows(IllegalArgumentException.class, () -> c.setRequestTimeout(Duration.ZERO));
    }
}
