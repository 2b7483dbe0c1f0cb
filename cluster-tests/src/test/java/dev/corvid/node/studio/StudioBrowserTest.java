package dev.corvid.node.studio;

import static dev.corvid.node.studio.StudioPage.DEADLINE;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.client.DocumentSession;
import dev.corvid.client.DocumentStore;
import dev.corvid.client.FailoverBehavior;
import dev.corvid.client.examples.Person;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.probe.MultiProcess;
import dev.corvid.testing.CorvidTestCluster;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Corvid Studio in a real headless browser ({@link StudioPage}) against a real three-node
 * cluster: the page loads without a console error and shows the three nodes, a replica killed
 * turns DOWN and comes back, the lag chart moves, a document edited in the page reaches the
 * replicas, a stale edit shows the concurrency conflict with both etags, an invalid edit shows the
 * node's error and changes nothing, the consistency check reports, and a real replication conflict
 * is listed and resolved by picking a version.
 */
@MultiProcess
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StudioBrowserTest {

    private static CorvidTestCluster cluster;
    private static StudioServer studio;
    private static StudioPage page;

    @BeforeAll
    static void start() {
        StudioPage.assumeBrowser();
        cluster = CorvidTestCluster.builder().nodes(3).start();
        studio = StudioServer.start(ClusterConfig.load(cluster.config()), "admin", "127.0.0.1", 0, Duration.ofMillis(500));
        page = StudioPage.open(studio.url());
    }

    @AfterAll
    static void stop() {
        if (page != null) {
            page.close();
        }
        if (studio != null) {
            studio.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String bodyOnEveryNode(String id) {
        return cluster.nodes().stream().map(n -> n + "=" + cluster.probe().node(n).find(id)
                .map(d -> d.getBodyJson().toStringUtf8()).orElse("missing")).collect(Collectors.joining(", "));
    }

    private static String metadataOn(String node, String id) {
        return cluster.probe().node(node).find(id).map(d -> d.getMetadataJson().toStringUtf8()).orElse("");
    }

    @Test
    @Order(1)
    void thePageLoads_withoutConsoleErrors_andShowsTheThreeNodes() throws IOException {
        await("three nodes UP in the page").atMost(DEADLINE)
                .until(() -> List.of("A", "B", "C").stream().allMatch(n -> page.state(n).equals("UP")));
        assertEquals("master", page.text("#nodes tr[data-node='A'] td.role"));
        assertEquals("replica", page.text("#nodes tr[data-node='B'] td.role"));
        assertEquals(3, page.count("#topology [data-node]"), "a node each in the picture");
        assertTrue(page.text("#master").contains("A"), page.text("#master"));
        page.screenshot("cluster", "#cluster-section");
        List<?> errors = page.consoleErrors();
        assertTrue(errors.isEmpty(), "console errors: " + errors);
    }

    @Test
    @Order(2)
    void aKilledReplica_turnsDown_andComesBack_andTheChartMarksIt() throws IOException {
        int before = page.samples();
        cluster.kill("C");
        await("C DOWN in the page").atMost(Duration.ofSeconds(10)).until(() -> page.state("C").equals("DOWN"));
        cluster.restart("C");
        await("C UP again in the page").atMost(DEADLINE).until(() -> page.state("C").equals("UP"));
        await("the chart marks C's down and up").atMost(DEADLINE).until(() ->
                page.count("#lag-chart line.event[data-node='C'][data-event='down']") > 0
                        && page.count("#lag-chart line.event[data-node='C'][data-event='up']") > 0);
        await("the lag chart takes new samples").atMost(DEADLINE)
                .until(() -> page.samples() > before);
        assertEquals(1, page.count("#lag-chart polyline[data-replica='B']"));
        page.screenshot("replication", "#replication-section");
    }

    @Test
    @Order(3)
    void aDocumentEditedInThePage_reachesTheReplicas() throws IOException {
        try (DocumentSession session = cluster.store().openSession()) {
            session.store(new Person("Ada", 36), "people/1");
            session.saveChanges();
        }
        cluster.awaitReplicated(); // so the page, opening it once, finds it on every node
        await("People listed").atMost(DEADLINE)
                .until(() -> page.count("#collections a[data-collection='People']") > 0);
        page.click("#collections a[data-collection='People']");
        await("people/1 listed").atMost(DEADLINE)
                .until(() -> page.count("#documents tr[data-id='people/1']") > 0);
        page.screenshot("documents", "#documents-section");
        page.click("#documents tr[data-id='people/1']");
        await("people/1 open").atMost(DEADLINE).until(() -> page.value("#doc-body").contains("Ada"));
        await("its etag on every node").atMost(DEADLINE).until(() -> List.of("A", "B", "C").stream()
                .map(n -> page.text("#doc-etags tr[data-node='" + n + "'] td.etag")).toList(),
                etags -> etags.stream().allMatch(e -> e.matches("[0-9A-Fa-f-]{36}")));
        assertFalse(page.text("#doc-etags tr[data-node='A'] td.etag").equals(page.text("#doc-etags tr[data-node='B'] td.etag")),
                "each node stamps its own etag");
        assertTrue(page.text("#doc-metadata").contains("@etag"), page.text("#doc-metadata"));
        assertEquals(page.text("#doc-etags tr[data-node='A'] td.etag"), page.text("#doc-etags tr[data-node='B'] td.source-etag"),
                "a replica's copy names the master's etag it came from");
        assertEquals("A", page.text("#doc-etags tr[data-node='C'] td.replication-source"));
        page.screenshot("document", "#doc-panel");

        page.type("#doc-body", "{\"name\": \"Grace\", \"age\": 45}");
        page.click("#save");
        await("saved").atMost(DEADLINE).until(() -> page.text("#doc-status").contains("saved"));
        assertEquals("", page.text("#doc-error"));
        cluster.awaitReplicated();
        for (String node : List.of("A", "B", "C")) {
            String body = cluster.probe().node(node).find("people/1").orElseThrow().getBodyJson().toStringUtf8();
            assertTrue(body.contains("Grace"), node + " has " + body);
        }
    }

    @Test
    @Order(4)
    void aStaleEdit_showsTheConcurrencyConflict_withBothEtags() throws IOException {
        page.openDocument("people/1");
        String loaded = page.text("#doc-etags tr[data-node='A'] td.etag");
        String newer;
        try (DocumentSession session = cluster.store().openSession()) {
            Person p = session.load(Person.class, "people/1");
            p.setName("Someone else");
            session.saveChanges();
            newer = session.advanced().getEtagFor(p).toString();
        }
        page.type("#doc-body", "{\"name\": \"Mine\"}");
        page.click("#save");
        await("the conflict shown").atMost(DEADLINE).until(() -> page.text("#doc-error").contains("ConcurrencyException"));
        String error = page.text("#doc-error");
        assertTrue(error.contains(loaded) && error.contains(newer), "both etags (" + loaded + ", " + newer + ") in: " + error);
        page.screenshot("conflict", "#doc-panel");
        assertTrue(bodyOnEveryNode("people/1").contains("Someone else"));
    }

    @Test
    @Order(5)
    void anInvalidEdit_showsTheNodesError_andChangesNothing() {
        page.openDocument("people/1");
        page.type("#doc-body", "{\"name\": ");
        page.click("#save");
        await("the node's error shown").atMost(DEADLINE).until(() -> page.text("#doc-error").contains("is not valid JSON"));
        String body = cluster.probe().node("A").find("people/1").orElseThrow().getBodyJson().toStringUtf8();
        assertTrue(body.contains("Someone else"), body);
    }

    @Test
    @Order(6)
    void theConsistencyCheck_reportsEveryReplicaMatching() throws IOException {
        page.click("#run-consistency");
        await("the report").atMost(DEADLINE).until(() -> page.text("#consistency-report").contains("matches"));
        assertFalse(page.text("#consistency-report").contains("NOT CHECKED"), page.text("#consistency-report"));
        page.screenshot("consistency", "#consistency-section");
    }
    /**
     * A real conflict, made as in production: B takes a failover write while A is down, then A,
     * back without B, takes its own write of the same document; when B returns and hands its write
     * back, A keeps both. The page lists it, shows both versions, and keeping B's resolves it on
     * every node.
     */
    @Test
    @Order(7)
    void aReplicationConflict_isListed_andResolvedByPickingAVersion() throws IOException {
        String id = "people/conflicted";
        DocumentStore failover = cluster.store(s -> s.getConventions()
                .setFailoverBehavior(FailoverBehavior.ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES));
        try (DocumentSession session = failover.openSession()) {
            session.store(new Person("original", 1), id);
            session.saveChanges();
        }
        cluster.awaitReplicated();
        cluster.kill("A");
        await("B takes the failover write").atMost(DEADLINE).ignoreExceptions().until(() -> {
            try (DocumentSession session = failover.openSession()) {
                Person p = session.load(Person.class, id);
                p.setName("written on B");
                session.saveChanges();
            }
            return cluster.probe().node("B").find(id).orElseThrow().getBodyJson().toStringUtf8().contains("written on B");
        });
        cluster.kill("B"); // so it cannot hand the write back before A writes the same document
        cluster.restart("A");
        try (DocumentSession session = cluster.store().openSession()) {
            Person p = session.load(Person.class, id);
            p.setName("written on A");
            session.saveChanges();
        }
        cluster.restart("B");
        await("A keeps both versions").atMost(DEADLINE).until(() -> metadataOn("A", id).contains("\"@conflict\":true"));

        await("the conflict listed in the page").atMost(DEADLINE)
                .until(() -> page.count("#conflicts a[data-id='" + id + "']") > 0);
        page.click("#conflicts a[data-id='" + id + "']");
        await("both versions shown").atMost(DEADLINE).until(() -> page.visible("#doc-conflict")
                && page.count("#doc-versions tr[data-version]") == 2);
        assertEquals("A", page.text("#doc-versions tr[data-version='0'] td.node"), "the master's version first");
        assertTrue(page.text("#doc-versions tr[data-version='0'] td.version").contains("written on A"));
        assertEquals("B", page.text("#doc-versions tr[data-version='1'] td.node"));
        assertTrue(page.text("#doc-versions tr[data-version='1'] td.version").contains("written on B"));
        page.screenshot("resolve", "#doc-panel");

        page.click("#doc-versions button.keep[data-version='1']");
        await("resolved in the page").atMost(DEADLINE).until(() -> page.text("#doc-status").contains("resolved"));
        assertEquals("", page.text("#doc-error"));
        assertTrue(page.text("#doc-status").contains("from B"), page.text("#doc-status"));
        await("the conflict list empties").atMost(DEADLINE)
                .until(() -> page.count("#conflicts a[data-id='" + id + "']") == 0);
        cluster.awaitReplicated();
        for (String node : cluster.nodes()) {
            assertTrue(cluster.probe().node(node).find(id).orElseThrow().getBodyJson().toStringUtf8().contains("written on B"),
                    bodyOnEveryNode(id));
            assertFalse(metadataOn(node, id).contains("@conflict"), node + ": " + metadataOn(node, id));
        }
        assertFalse(page.visible("#doc-conflict"), "no versions to pick once resolved");
    }
}
