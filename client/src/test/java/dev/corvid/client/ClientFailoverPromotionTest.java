package dev.corvid.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.corvid.client.examples.Person;
import dev.corvid.node.testing.TestCluster;
import dev.corvid.testing.MultiProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store on a cluster with automatic failover ({@code "failover": "automatic"}): after {@code kill -9}
 * of the master, the store finds the new master on its own (a node names the newer epoch's master)
 * and its writes, with write assurance too, go there; nothing it saved is lost.
 */
@MultiProcess
class ClientFailoverPromotionTest {

    @TempDir
    Path dir;

    @Test
    void afterTheMasterIsKilled_savesGoToTheNewMaster_withWriteAssurance_andNothingSavedIsLost() {
        try (TestCluster cluster = TestCluster.startWithFailover(dir.resolve("cluster"), 3, "automatic");
             DocumentStore store = new DocumentStore(cluster.address("A"), cluster.address("B"), cluster.address("C"))) {
            store.getConventions().setTopologyCacheDirectory(dir.resolve("topology"));
            store.initialize();
            for (int i = 0; i < 20; i++) {
                try (DocumentSession session = store.openSession()) {
                    session.advanced().waitForReplicationAfterSaveChanges(o -> o.numberOfReplicas(1));
                    session.store(new Person("before-" + i), "people/before-" + i);
                    session.saveChanges();
                }
            }
            long killed = System.nanoTime();
            cluster.kill("A");
            AtomicReference<Long> tookMs = new AtomicReference<>();
            await("a save succeeds on the new master").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .ignoreExceptions().until(() -> {
                        try (DocumentSession session = store.openSession()) {
                            session.advanced().waitForReplicationAfterSaveChanges(o -> o.numberOfReplicas(1));
                            session.store(new Person("after"), "people/after");
                            session.saveChanges();
                        }
                        tookMs.set((System.nanoTime() - killed) / 1_000_000);
                        return true;
                    });
            System.out.printf("client: master A killed -> a save with one replica's assurance succeeded after %d ms%n", tookMs.get());
            try (DocumentSession session = store.openSession(new SessionOptions().setForceReadFromMaster(true))) {
                for (int i = 0; i < 20; i++) {
                    assertNotNull(session.load(Person.class, "people/before-" + i), "people/before-" + i + " on the new master");
                }
                assertEquals("after", session.load(Person.class, "people/after").getName());
            }
        }
    }
}
