package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corvid.client.examples.Person;
import dev.corvid.probe.Ports;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link CorvidClientMetrics} against a real node: every attempt timed by node, operation and
 * outcome, failovers counted from the node that did not answer, the unreachable-node gauge, and
 * the application's tags on every meter. (Retries after a node named another master:
 * {@code FailoverRoutingTest}.)
 */
class ClientMetricsTest {

    @RegisterExtension
    static final RealNode NODE = new RealNode();

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private double requests(String node, String operation, String outcome) {
        return registry.get("corvid.client.requests").tags("node", node, "operation", operation, "outcome", outcome)
                .timer().count();
    }

    @Test
    void everyAttemptIsTimed_byNodeOperationAndOutcome_withTheApplicationsTags() {
        DocumentStore store = NODE.store(s -> new CorvidClientMetrics(s, Tags.of("store", "people")).bindTo(registry));
        try (DocumentSession session = store.openSession()) {
            session.store(new Person("Ayende"), "people/1");
            session.saveChanges();
        }
        try (DocumentSession session = store.openSession()) {
            assertEquals("Ayende", session.load(Person.class, "people/1").getName());
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("name", "Oren");
        Etag stale = Etag.parse("01000000-0000-0001-0000-000000000099");
        assertThrows(ConcurrencyException.class,
                () -> store.getDatabaseCommands().put("people/1", stale, body, JsonNodeFactory.instance.objectNode()));

        String node = NODE.address();
        assertEquals(1, requests(node, "Batch", "success"));
        assertEquals(1, requests(node, "Get", "success"));
        assertEquals(1, requests(node, "Put", "error"), "a concurrency conflict is the node's answer, an error");
        assertTrue(registry.get("corvid.client.requests").tags("node", node, "operation", "Get").timer()
                .totalTime(java.util.concurrent.TimeUnit.NANOSECONDS) > 0, "the attempt took time");
        assertTrue(registry.getMeters().stream().allMatch(m -> "people".equals(m.getId().getTag("store"))),
                "the store's tags are on every meter");
        assertEquals(0, registry.get("corvid.client.nodes.unreachable").gauge().value());
    }

    @Test
    void aReadStripedToADeadReplica_failsOverToTheMaster_countedFromTheDeadNode() {
        String dead = "127.0.0.1:" + Ports.freePort(); // nobody listens: connections are refused
        try (DocumentStore store = new DocumentStore(NODE.address(), dead)) {
            store.getConventions().setFailoverBehavior(FailoverBehavior.READ_FROM_ALL_SERVERS);
            store.getConventions().setTopologyCacheDirectory(null);
            store.getConventions().setFailedNodeProbeInterval(Duration.ofMinutes(5));
            new CorvidClientMetrics(store).bindTo(registry);
            store.initialize();
            for (int i = 0; i < 2; i++) { // each session reads from the next server in turn
                try (DocumentSession session = store.openSession()) {
                    session.load(Person.class, "people/missing");
                }
            }
            assertEquals(1, registry.get("corvid.client.failovers").tags("from", dead, "kind", "read", "operation", "Get")
                    .counter().count());
            assertEquals(1, requests(dead, "Get", "unreachable"));
            assertEquals(2, requests(NODE.address(), "Get", "success"));
            assertEquals(1, registry.get("corvid.client.nodes.unreachable").gauge().value());
        }
    }

    @Test
    void aWriteToADeadMaster_goesToTheReplica_countedAsAWriteFailover() {
        String dead = "127.0.0.1:" + Ports.freePort();
        try (DocumentStore store = new DocumentStore(dead, NODE.address())) {
            store.getConventions().setFailoverBehavior(FailoverBehavior.ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES);
            store.getConventions().setTopologyCacheDirectory(null);
            new CorvidClientMetrics(store).bindTo(registry);
            store.initialize();
            try (DocumentSession session = store.openSession()) {
                session.store(new Person("Fitzchak"), "people/2");
                session.saveChanges();
            }
            assertEquals(1, registry.get("corvid.client.failovers").tags("from", dead, "kind", "write", "operation", "Batch")
                    .counter().count());
            assertEquals(1, requests(NODE.address(), "Batch", "success"));
        }
    }
}
