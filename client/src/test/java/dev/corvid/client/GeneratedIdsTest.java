package dev.corvid.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.client.examples.Person;
import dev.corvid.probe.MultiProcess;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** HiLo ids reserved on the master: two stores, several threads each, never the same id. */
@MultiProcess
class GeneratedIdsTest {

    @RegisterExtension
    static final RealNode NODE = new RealNode();

    @Test
    void twoStores_generatingConcurrently_neverCollide() throws Exception {
        DocumentStore one = NODE.store();
        DocumentStore two = NODE.store();
        int threadsPerStore = 4;
        int idsPerThread = 100;
        Set<String> ids = ConcurrentHashMap.newKeySet();
        ExecutorService pool = Executors.newFixedThreadPool(2 * threadsPerStore);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        try {
            for (DocumentStore store : List.of(one, two)) {
                for (int t = 0; t < threadsPerStore; t++) {
                    futures.add(pool.submit(() -> {
                        start.await();
                        try (DocumentSession session = store.openSession()) {
                            for (int i = 0; i < idsPerThread; i++) {
                                Person p = new Person("p" + i);
                                session.store(p);
                                assertTrue(ids.add(p.getId()), "duplicate id " + p.getId());
                            }
                            session.saveChanges(); // Etag.EMPTY on each: a collision would fail here too
                        }
                        return null;
                    }));
                }
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(2 * threadsPerStore * idsPerThread, ids.size());
        assertTrue(ids.stream().allMatch(id -> id.matches("people/\\d+")));
    }
}
