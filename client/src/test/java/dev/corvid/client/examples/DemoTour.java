package dev.corvid.client.examples;

import dev.corvid.client.ConcurrencyException;
import dev.corvid.client.ConflictException;
import dev.corvid.client.ConflictResolution;
import dev.corvid.client.ConflictedVersion;
import dev.corvid.client.CorvidException;
import dev.corvid.client.DocumentConflictListener;
import dev.corvid.client.DocumentSession;
import dev.corvid.client.DocumentStore;
import dev.corvid.client.Etag;
import dev.corvid.client.FailoverBehavior;
import dev.corvid.client.ReadScope;
import dev.corvid.client.SessionOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The five-minute tour behind {@code scripts/demo.sh}: the seeds' stories told against a running
 * cluster, one chapter per run, so the script can kill and restart the master between chapters.
 *
 * <pre>java ... dev.corvid.client.examples.DemoTour CHAPTER TOPOLOGY_CACHE_DIR A=host:port B=host:port C=host:port</pre>
 *
 * Chapters: {@code concurrency}, {@code striping}, {@code trap}, {@code master-down},
 * {@code master-back}. The master comes first. Every chapter writes its own documents
 * ({@code demo/...}) without etag checks first, so the tour can run any number of times.
 */
public final class DemoTour {

    /** The certificates folder of a TLS cluster (demo.sh sets it from the config's "tls"). */
    static final String TLS_PROPERTY = "corvid.demo.tls";
    private static final String PRODUCT = "demo/products/999";
    private static final String FAILOVER_NAME = "Renamed on a replica while the master was down";
    private static final String MASTER_NAME = "Renamed on the master after it came back";

    private final DemoNodes nodes;
    private final Path topologyCache;
    /** A TLS cluster's certificates folder; null for a plaintext cluster. */
    private final Path certificates;
    private final PrintStream out = System.out;

    private DemoTour(DemoNodes nodes, Path topologyCache, Path certificates) {
        this.nodes = nodes;
        this.topologyCache = topologyCache;
        this.certificates = certificates;
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: DemoTour CHAPTER TOPOLOGY_CACHE_DIR NAME=host:port...  (master first)");
            System.exit(2);
        }
        Map<String, String> addresses = new LinkedHashMap<>();
        for (int i = 2; i < args.length; i++) {
            String[] pair = args[i].split("=", 2);
            addresses.put(pair[0], pair[1]);
        }
        String tls = System.getProperty(TLS_PROPERTY, "");
        Path certificates = tls.isEmpty() ? null : Path.of(tls);
        try (DemoNodes nodes = new DemoNodes(addresses, certificates)) {
            DemoTour tour = new DemoTour(nodes, Path.of(args[1]), certificates);
            switch (args[0]) {
                case "concurrency" -> tour.concurrency();
                case "striping" -> tour.striping();
                case "trap" -> tour.trap();
                case "master-down" -> tour.masterDown();
                case "master-back" -> tour.masterBack();
                case "conflict" -> tour.conflict();
                case "promotion" -> tour.promotion();
                case "auto-failover" -> tour.autoFailover();
                default -> {
                    System.err.println("unknown chapter " + args[0]);
                    System.exit(2);
                }
            }
        }
    }

    /** A store on every node (master first), configured by {@code configure} before initialize. */
    private DocumentStore store(Consumer<DocumentStore> configure) {
        DocumentStore store = new DocumentStore(nodes.urls());
        if (certificates != null) { // a TLS cluster: the tour acts as its readwrite client
            store.setCertificate(certificates.resolve("clients/readwrite.pem"), certificates.resolve("clients/readwrite-key.pem"))
                    .setTrustStore(certificates.resolve("ca.pem"));
        }
        store.getConventions().setTopologyCacheDirectory(topologyCache);
        configure.accept(store);
        return store.initialize();
    }

    /** Puts the demo product on the master without an etag check and waits until the replicas have it. */
    private Etag seedProduct(DocumentStore store, String name) throws InterruptedException {
        Etag etag = store.getDatabaseCommands().put(PRODUCT, null,
                store.getConventions().getObjectMapper().createObjectNode().put("name", name),
                store.getConventions().getObjectMapper().createObjectNode().put("@collection", "Products"));
        if (!nodes.awaitReplicated(etag)) {
            out.println("  (the replicas have not applied it within 10 s; the rest of this chapter may differ)");
        }
        return etag;
    }

    private void concurrency() {
        out.println("Alice and Bob edit the same person. Optimistic concurrency: every write carries the etag");
        out.println("it was based on, and the master refuses it if the document has changed since.");
        try (DocumentStore store = store(s -> s.getConventions().setDefaultUseOptimisticConcurrency(true))) {
            try (DocumentSession session = store.openSession()) {
                Person p = new Person("Ayende Rahien");
                session.store(p, "demo/people/1");
                session.saveChanges();
                out.printf("  stored demo/people/1 'Ayende Rahien', etag %s%n", session.advanced().getEtagFor(p));
            } catch (ConcurrencyException e) {
                // a previous run left it: new documents are saved with "must not exist"; reset it
                store.getDatabaseCommands().delete("demo/people/1", null);
                concurrency();
                return;
            }
            try (DocumentSession alice = store.openSession()) {
                Person mine = alice.load(Person.class, "demo/people/1");
                out.printf("  Alice loads it at etag %s%n", alice.advanced().getEtagFor(mine));
                try (DocumentSession bob = store.openSession()) {
                    bob.load(Person.class, "demo/people/1").setName("Oren Eini");
                    bob.saveChanges();
                    out.println("  Bob loads it too, renames it 'Oren Eini' and saves first");
                }
                mine.setName("Ayende");
                try {
                    alice.saveChanges();
                    out.println("  UNEXPECTED: Alice's save went through and overwrote Bob's edit");
                } catch (ConcurrencyException e) {
                    out.printf("  Alice saves 'Ayende': ConcurrencyException on %s, expected %s, actual %s%n",
                            e.getDocumentId(), e.getExpectedEtag(), e.getActualEtag());
                    out.println("  => Bob's edit is kept; Alice reloads and decides. Nothing was overwritten silently.");
                }
            }
        }
    }

    private void striping() throws InterruptedException {
        out.println("READ_FROM_ALL_SERVERS: each new session takes the next server in turn and keeps it.");
        try (DocumentStore store = store(s -> s.getConventions().setFailoverBehavior(FailoverBehavior.READ_FROM_ALL_SERVERS))) {
            seedProduct(store, "Striped Product");
            Map<String, Long> before = nodes.reads();
            for (int i = 1; i <= 6; i++) {
                try (DocumentSession session = store.openSession()) {
                    session.load(Product.class, PRODUCT);
                }
            }
            out.printf("  6 sessions, one load each; reads served per node (from each node's stats): %s%n",
                    DemoNodes.readsBetween(before, nodes.reads()));
            out.println("  => reads are spread over the master and the replicas; writes still go to the master.");
        }
    }

    @SuppressWarnings("try") // a ReadScope acts by being open; the body never names it
    private void trap() throws InterruptedException {
        out.println("The replica-etag trap: every node stamps its own etags, so a replica's etag never matches");
        out.println("the master's. With reads spread over all servers and optimistic concurrency on:");
        try (DocumentStore store = store(s -> {
            s.getConventions().setFailoverBehavior(FailoverBehavior.READ_FROM_ALL_SERVERS);
            s.getConventions().setDefaultUseOptimisticConcurrency(true);
        })) {
            Etag masterEtag = seedProduct(store, "Some Name");
            out.printf("  %s is at etag %s on the master%n", PRODUCT, masterEtag);
            store.openSession().close(); // the master's turn; the next session reads from the first replica
            try (DocumentSession session = store.openSession()) {
                Product p = session.load(Product.class, PRODUCT);
                out.printf("  a session striped to a replica loads it at etag %s (the replica's own)%n",
                        session.advanced().getEtagFor(p));
                p.setName("New Name");
                try {
                    session.saveChanges();
                    out.println("  the save went through (the session read from the master this time)");
                } catch (ConcurrencyException e) {
                    out.printf("  saving 'New Name': ConcurrencyException, expected %s, actual %s%n",
                            e.getExpectedEtag(), e.getActualEtag());
                    out.println("  although nobody else changed the document.");
                }
            }
            try (DocumentSession session = store.openSession();
                 ReadScope scope = session.getDatabaseCommands().forceReadFromMaster()) {
                Product p = session.load(Product.class, PRODUCT);
                out.printf("  inside forceReadFromMaster() the session loads it at etag %s (the master's)%n",
                        session.advanced().getEtagFor(p));
                p.setName("New Name");
                session.saveChanges();
                out.printf("  saving 'New Name' succeeds: new etag %s%n", session.advanced().getEtagFor(p));
                out.println("  => force reads to the master around a read-modify-write; a real concurrent edit is");
                out.println("     still caught, because the etag compared is now the master's.");
            }
        }
    }

    private void masterDown() {
        String master = nodes.master();
        out.printf("The master %s is down. The client knows the replicas (from the urls and the cached topology).%n", master);
        try (DocumentStore store = store(s -> { })) {
            Map<String, Long> before = nodes.reads();
            try (DocumentSession session = store.openSession()) {
                Product p = session.load(Product.class, PRODUCT);
                out.printf("  ALLOW_READS_FROM_SECONDARIES (default): load %s -> '%s'; reads served: %s%n",
                        PRODUCT, p == null ? null : p.getName(), DemoNodes.readsBetween(before, nodes.reads()));
                p.setName("Written while the master is down");
                session.saveChanges();
                out.println("  UNEXPECTED: the write went through");
            } catch (CorvidException e) {
                out.printf("  saving a change: %s%n    %s%n", e.getClass().getSimpleName(), e.getMessage());
            }
        }
        try (DocumentStore store = store(s -> s.getConventions().setFailoverBehavior(FailoverBehavior.FAIL_IMMEDIATELY));
             DocumentSession session = store.openSession()) {
            session.load(Product.class, PRODUCT);
            out.println("  UNEXPECTED: FAIL_IMMEDIATELY read from a replica");
        } catch (CorvidException e) {
            out.printf("  FAIL_IMMEDIATELY: load -> %s: %s%n", e.getClass().getSimpleName(), e.getMessage());
        }
        try (DocumentStore store = store(s -> s.getConventions().setFailoverBehavior(
                FailoverBehavior.ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES));
             DocumentSession session = store.openSession()) {
            Product p = session.load(Product.class, PRODUCT);
            p.setName(FAILOVER_NAME);
            session.saveChanges();
            out.printf("  ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES: saving '%s' -> taken by a replica%n", FAILOVER_NAME);
            out.println("    as a failover write (marked @failover-write; the replica hands it back once the master is reachable)");
        } catch (CorvidException e) {
            out.printf("  UNEXPECTED: the failover write failed: %s: %s%n", e.getClass().getSimpleName(), e.getMessage());
        }
        out.println("  => reads continue on the replicas; writes are refused with the behavior named, unless the behavior");
        out.println("     allows writes to secondaries: then a replica takes them, and nothing it took is ever dropped.");
    }

    private void masterBack() throws InterruptedException {
        out.printf("The master %s is back, with every acknowledged write (its log survived kill -9), while the replica%n",
                nodes.master());
        out.println("that took the failover write is still down: the master has not heard of it.");
        try (DocumentStore store = store(s -> { })) {
            Etag etag = seedProduct(store, MASTER_NAME);
            out.printf("  a write goes to the master again: %s '%s' at etag %s%n", PRODUCT, MASTER_NAME, etag);
        }
    }

    private void conflict() throws InterruptedException {
        out.println("The replica is back: before it takes the master's changes it hands its failover write back. The");
        out.println("master changed the document since the version the replica wrote on, so it keeps both: a conflict.");
        try (DocumentStore store = store(s -> { })) {
            ConflictException conflict = awaitConflict(store);
            if (conflict == null) {
                out.println("  UNEXPECTED: no conflict within 20 s");
                return;
            }
            out.printf("  load %s -> ConflictException, %d versions:%n", PRODUCT, conflict.getVersions().size());
            for (ConflictedVersion v : conflict.getVersions()) {
                out.printf("    taken by %s at its etag %s: '%s'%n", v.getNodeName(), v.getEtag(),
                        v.isDeleted() ? "(deleted)" : v.getBody().path("name").asText());
            }
        }
        DocumentConflictListener merge = (id, versions) -> {
            String names = versions.stream().filter(v -> !v.isDeleted()).map(v -> v.getBody().path("name").asText())
                    .reduce((a, b) -> a + " + " + b).orElse("");
            ConflictedVersion first = versions.get(0);
            return ConflictResolution.put(first.getBody().put("name", names), first.getMetadata());
        };
        try (DocumentStore store = store(s -> s.registerListener(merge));
             DocumentSession session = store.openSession()) {
            Product p = session.load(Product.class, PRODUCT);
            out.printf("  with a DocumentConflictListener that merges the names, load -> '%s'%n", p.getName());
            Etag etag = session.advanced().getEtagFor(p);
            out.printf("  (saved with the conflict's etag, so the conflict ends on every node%s)%n",
                    nodes.awaitReplicated(etag) ? ", and the replicas applied it" : "");
        }
    }

    private void promotion() throws InterruptedException {
        String master = nodes.currentMaster();
        out.printf("A Raft group of the nodes decides who is master; %s is master of epoch %d now.%n", master,
                nodes.epoch());
        out.println("scripts/promote-node.sh made another node master (a planned hand-over: the old master waited until");
        out.println("it had caught up, stopped acknowledging, and handed over; writes paused only for that step).");
        try (DocumentStore store = store(s -> { })) {
            Etag etag = seedProduct(store, "Written after the promotion");
            out.printf("  a store given the urls in config order saves %s: it goes to %s (etag %s), the new master;%n",
                    PRODUCT, nodes.masterOfEtag(etag), etag);
            out.println("  (a node that is no longer master refuses a write naming the new one, and the client sends it there;");
            out.println("  a refused write was not applied, so nothing is applied twice)");
        }
    }

    private void autoFailover() {
        out.println("The master was killed. Its lease (1 s) lapses, and the Raft group promotes the most up-to-date");
        out.println("live replica in the next epoch; the client finds it on its own (a node names the newer epoch's master).");
        long started = System.nanoTime();
        try (DocumentStore store = store(s -> { })) {
            java.util.concurrent.atomic.AtomicReference<Etag> saved = new java.util.concurrent.atomic.AtomicReference<>();
            try {
                org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20))
                        .pollInterval(java.time.Duration.ofMillis(50)).ignoreException(CorvidException.class)
                        .until(() -> {
                            saved.set(store.getDatabaseCommands().put(PRODUCT, null,
                                    store.getConventions().getObjectMapper().createObjectNode().put("name", "Written after the failover"),
                                    store.getConventions().getObjectMapper().createObjectNode().put("@collection", "Products")));
                            return true;
                        });
                out.printf("  a save retried by the application succeeded %d ms after the kill, on %s (epoch %d)%n",
                        (System.nanoTime() - started) / 1_000_000, nodes.masterOfEtag(saved.get()), nodes.epoch());
                return;
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                // told below
            }
            out.println("  UNEXPECTED: no save succeeded within 20 s");
        }
    }

    /** The conflict on {@link #PRODUCT}, once the replica's hand-back made it; null after 20 s without. */
    private ConflictException awaitConflict(DocumentStore store) {
        java.util.concurrent.atomic.AtomicReference<ConflictException> conflict = new java.util.concurrent.atomic.AtomicReference<>();
        try {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).pollInterval(java.time.Duration.ofMillis(200))
                    .until(() -> {
                        try (DocumentSession session = store.openSession(new SessionOptions().setForceReadFromMaster(true))) {
                            session.load(Product.class, PRODUCT);
                        } catch (ConflictException e) {
                            conflict.set(e);
                        } catch (CorvidException e) {
                            // the master may still be starting
                        }
                        return conflict.get() != null;
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            return null;
        }
        return conflict.get();
    }
}
