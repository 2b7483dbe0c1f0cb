package dev.corvid.client;

import static dev.corvid.client.ClusterFixture.A;
import static dev.corvid.client.ClusterFixture.B;
import static dev.corvid.client.ClusterFixture.C;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
 * A failover write and a newer master write of the same document, end to end on real node
 * processes: neither is lost; a load raises {@link ConflictException} with both versions, and a
 * {@link DocumentConflictListener} resolves it for every node.
 */
@MultiProcess
class ConflictsTest {

    @RegisterExtension
    static final ClusterFixture CLUSTER = new ClusterFixture();

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private static String bodyOn(String node, String id) {
        Optional<Document> d = CLUSTER.find(node, id);
        return d.map(doc -> doc.getBodyJson().toString(StandardCharsets.UTF_8)).orElse("");
    }

    private static DocumentStore store() {
        return CLUSTER.store(FailoverBehavior.ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES);
    }

    /** Leaves {@code id} in conflict: "master" written on A after B took "replica" as a failover write. */
    private static void makeConflict(String id) {
        CLUSTER.down();
        DocumentStore store = store();
        try (DocumentSession session = store.openSession()) {
            session.store(new Person("original"), id);
            session.saveChanges();
        }
        await().atMost(DEADLINE).until(() -> bodyOn(B, id).contains("original") && bodyOn(C, id).contains("original"));

        CLUSTER.kill(A);
        await("B takes the failover write").atMost(DEADLINE).ignoreExceptions().until(() -> {
            try (DocumentSession session = store.openSession()) {
                Person p = session.load(Person.class, id);
                p.setName("replica");
                session.saveChanges();
            }
            return bodyOn(B, id).contains("replica");
        });
        CLUSTER.kill(B); // it cannot hand the write back while A writes the same document
        CLUSTER.restart(A);
        try (DocumentStore onA = CLUSTER.store(s -> { }, A)) {
            try (DocumentSession session = onA.openSession()) {
                Person p = session.load(Person.class, id);
                p.setName("master");
                session.saveChanges();
            }
        }
        CLUSTER.restart(B);
        for (String node : List.of(A, B, C)) {
            await("the conflict reaches " + node).atMost(DEADLINE).until(() -> CLUSTER.find(node, id)
                    .map(d -> d.getMetadataJson().toString(StandardCharsets.UTF_8).contains("\"@conflict\":true")).orElse(false));
        }
    }

    @Test
    void aLoad_raisesConflictException_withBothVersions_andASaveWithItsEtagResolvesItEverywhere() {
        makeConflict("conflicts/1");
        DocumentStore store = CLUSTER.store(s -> { });
        ConflictException e;
        try (DocumentSession session = store.openSession()) {
            e = assertThrows(ConflictException.class, () -> session.load(Person.class, "conflicts/1"));
        }
        assertEquals("conflicts/1", e.getDocumentId());
        List<ConflictedVersion> versions = e.getVersions();
        assertEquals(2, versions.size(), e.getMessage());
        assertEquals(A, versions.get(0).getNodeName());
        assertEquals("master", versions.get(0).getBody().get("name").asText());
        assertEquals(B, versions.get(1).getNodeName());
        assertEquals("replica", versions.get(1).getBody().get("name").asText());

        try (DocumentSession session = store.openSession()) {
            session.store(new Person("merged"), e.getEtag(), "conflicts/1");
            session.saveChanges();
        }
        for (String node : List.of(A, B, C)) {
            await("the resolution reaches " + node).atMost(DEADLINE).until(() -> bodyOn(node, "conflicts/1").contains("merged"));
        }
        try (DocumentSession session = store.openSession()) {
            assertEquals("merged", session.load(Person.class, "conflicts/1").getName());
        }
    }

    @Test
    void aConflictListener_resolvesOnLoad_andTheResolutionReachesEveryNode() {
        makeConflict("conflicts/2");
        DocumentStore store = CLUSTER.store(s -> s.registerListener((DocumentConflictListener) (id, versions) -> {
            ConflictedVersion replica = versions.stream().filter(v -> v.getNodeName().equals(B)).findFirst().orElseThrow();
            return ConflictResolution.put(replica.getBody(), replica.getMetadata());
        }));
        try (DocumentSession session = store.openSession()) {
            assertEquals("replica", session.load(Person.class, "conflicts/2").getName());
        }
        for (String node : List.of(A, B, C)) {
            await("the listener's resolution reaches " + node).atMost(DEADLINE)
                    .until(() -> bodyOn(node, "conflicts/2").contains("replica")
                            && !CLUSTER.find(node, "conflicts/2").orElseThrow().getMetadataJson()
                                    .toString(StandardCharsets.UTF_8).contains("@conflict"));
        }
    }
}
