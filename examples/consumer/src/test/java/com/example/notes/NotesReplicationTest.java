package com.example.notes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.client.DocumentSession;
import dev.corvid.testing.CorvidCluster;
import dev.corvid.testing.CorvidTestCluster;
import org.junit.jupiter.api.Test;

/** The README's test: a cluster of three real node processes, from corvid-testing's coordinates alone. */
@CorvidCluster(nodes = 3)
class NotesReplicationTest {

    @Test
    void aNoteReachesEveryReplica_andSurvivesAReplicasDeath(CorvidTestCluster cluster) {
        try (DocumentSession session = cluster.store().openSession()) {
            session.store(new Note("buy milk"), "notes/1");
            session.saveChanges();
        }
        cluster.kill("C");
        cluster.restart("C");
        cluster.awaitReplicated();
        assertTrue(cluster.checkConsistency().consistent());
        for (String replica : new String[] {"B", "C"}) {
            assertTrue(cluster.probe().node(replica).find("notes/1").isPresent(), replica + " has no notes/1");
        }
        assertEquals("A", cluster.master());
    }
}
