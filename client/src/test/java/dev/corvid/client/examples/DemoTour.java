package dev.corvid.client.examples;

import dev.corvid.client.ConcurrencyException;
import dev.corvid.client.CorvidException;
import dev.corvid.client.DocumentSession;
import dev.corvid.client.DocumentStore;
import dev.corvid.client.Etag;
import dev.corvid.client.FailoverBehavior;
import dev.corvid.client.ReadScope;
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

    private static final String PRODUCT = "demo/products/999";

    private final DemoNodes nodes;
    private final Path topologyCache;
    private final PrintStream out = System.out;

    private DemoTour(DemoNodes nodes, Path topologyCache) {
        this.nodes = nodes;
        this.topologyCache = topologyCache;
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
        try (DemoNodes nodes = new DemoNodes(addresses)) {
            DemoTour tour = new DemoTour(nodes, Path.of(args[1]));
            switch (args[0]) {
                case "concurrency" -> tour.concurrency();
                case "striping" -> tour.striping();
                case "trap" -> tour.trap();
                case "master-down" -> tour.masterDown();
                case "master-back" -> tour.masterBack();
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
        out.println("  => reads continue on the replicas; writes are refused with the behavior named, so no");
        out.println("     replica diverges from the master (ALLOW_READS_FROM_SECONDARIES_AND_WRITES_TO_SECONDARIES would accept them).");
    }

    private void masterBack() throws InterruptedException {
        out.printf("The master %s is back, with every acknowledged write (its log survived kill -9).%n", nodes.master());
        try (DocumentStore store = store(s -> { })) {
            Etag etag = seedProduct(store, "Written after the master came back");
            out.printf("  a write goes to the master again: %s at etag %s, and the replicas applied it%n", PRODUCT, etag);
            try (DocumentSession session = store.openSession()) {
                out.printf("  load -> '%s'%n", session.load(Product.class, PRODUCT).getName());
            }
        }
    }
}
