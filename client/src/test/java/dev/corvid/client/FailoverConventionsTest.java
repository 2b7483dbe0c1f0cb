package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The failover conventions: defaults, combinations, validation, freezing. */
class FailoverConventionsTest {

    @Test
    void defaults() {
        Conventions c = new DocumentStore("h:1").getConventions();
        assertEquals(Set.of(FailoverBehavior.ALLOW_READS_FROM_SECONDARIES), c.getFailoverBehavior());
        assertEquals(Duration.ofMillis(250), c.getFailedNodeProbeInterval());
        assertEquals(Duration.ofSeconds(1), c.getConnectTimeout());
        assertTrue(c.getTopologyCacheDirectory().endsWith("corvid-client"));
    }

    @Test
    void behaviorsCombine_failImmediatelyStandsAlone() {
        Conventions c = new DocumentStore("h:1").getConventions();
        c.setFailoverBehavior(FailoverBehavior.READ_FROM_ALL_SERVERS,
                FailoverBehavior.ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES);
        assertTrue(c.hasFailoverBehavior(FailoverBehavior.READ_FROM_ALL_SERVERS));
        assertFalse(c.hasFailoverBehavior(FailoverBehavior.ALLOW_READS_FROM_SECONDARIES));
        assertThrows(IllegalArgumentException.class,
                () -> c.setFailoverBehavior(FailoverBehavior.FAIL_IMMEDIATELY, FailoverBehavior.READ_FROM_ALL_SERVERS));
        assertThrows(IllegalArgumentException.class, () -> c.setFailoverBehavior());
        assertThrows(IllegalArgumentException.class, () -> c.setFailoverBehavior((FailoverBehavior) null));
        assertThrows(IllegalArgumentException.class, () -> c.setFailedNodeProbeInterval(Duration.ZERO));
        assertThrows(UnsupportedOperationException.class,
                () -> c.getFailoverBehavior().add(FailoverBehavior.FAIL_IMMEDIATELY));
    }

    @Test
    void failoverConventions_freezeAtInitialize() {
        try (DocumentStore store = new DocumentStore("h:1")) {
            store.getConventions().setTopologyCacheDirectory(null);
            store.initialize();
            Conventions c = store.getConventions();
            assertThrows(IllegalStateException.class, () -> c.setFailoverBehavior(FailoverBehavior.FAIL_IMMEDIATELY));
            assertThrows(IllegalStateException.class, () -> c.setTopologyCacheDirectory(null));
            assertThrows(IllegalStateException.class, () -> c.setConnectTimeout(Duration.ofSeconds(2)));
        }
    }
}
