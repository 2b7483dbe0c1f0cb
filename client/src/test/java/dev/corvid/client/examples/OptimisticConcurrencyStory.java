package dev.corvid.client.examples;

import dev.corvid.client.ConcurrencyException;
import dev.corvid.client.DocumentSession;
import dev.corvid.client.DocumentStore;
import dev.corvid.client.Etag;
import dev.corvid.client.EtagConversionListener;
import dev.corvid.client.EtagStoreListener;
import java.io.PrintStream;

/**
 * The seed's first document ("Using optimistic concurrency in real world scenarios"), told as a
 * short story against a running node: first with one session, then across two sessions with the
 * etag carried by listeners.
 *
 * <pre>java ... dev.corvid.client.examples.OptimisticConcurrencyStory [host:port]   (default 127.0.0.1:7001)</pre>
 */
public final class OptimisticConcurrencyStory {

    private OptimisticConcurrencyStory() {
    }

    public static void main(String[] args) {
        String address = args.length > 0 ? args[0] : "127.0.0.1:7001";
        tell(address, System.out);
    }

    /** Runs the story against the node at {@code address}, writing it to {@code out}. */
    public static void tell(String address, PrintStream out) {
        try (DocumentStore store = new DocumentStore(address)) {
            store.registerListener(new EtagConversionListener()).registerListener(new EtagStoreListener());
            store.initialize();

            out.println("Our application lets users rename people. Alice and Bob both use it.");
            Person person = new Person("Ayende Rahien");
            try (DocumentSession session = store.openSession()) {
                session.store(person);
                session.saveChanges();
            }
            String id = person.getId();
            out.printf("We store %s as %s; the node stamps it with etag %s.%n", person.getName(), id, person.getEtag());

            out.println();
            out.println("One session. Alice turns on UseOptimisticConcurrency and loads the person.");
            try (DocumentSession alice = store.openSession()) {
                alice.advanced().setUseOptimisticConcurrency(true);
                Person mine = alice.load(Person.class, id);
                out.printf("  Alice sees '%s' at etag %s.%n", mine.getName(), alice.advanced().getEtagFor(mine));

                try (DocumentSession bob = store.openSession()) {
                    bob.load(Person.class, id).setName("Oren Eini");
                    bob.saveChanges();
                }
                out.println("  Meanwhile Bob renames the person to 'Oren Eini' and saves.");

                mine.setName("Ayende");
                try {
                    alice.saveChanges();
                    out.println("  Alice's save went through (this should not happen).");
                } catch (ConcurrencyException e) {
                    out.printf("  Alice saves 'Ayende' and gets a ConcurrencyException: expected %s, actual %s.%n",
                            e.getExpectedEtag(), e.getActualEtag());
                    out.println("  Bob's change was not overwritten.");
                }
            }

            out.println();
            out.println("Two sessions. A web page loads the person in one session and saves in another;");
            out.println("the etag travels in the person's @JsonIgnore Etag property, set by the listeners.");
            Person onAlicesPage = get(store, id);
            out.printf("  Alice's page shows '%s' (etag %s).%n", onAlicesPage.getName(), onAlicesPage.getEtag());
            Person onBobsPage = get(store, id);
            onBobsPage.setName("Oren");
            update(store, onBobsPage);
            out.printf("  Bob saves 'Oren' from his page; the person is now at etag %s.%n", onBobsPage.getEtag());
            onAlicesPage.setName("Ayende Rahien");
            try {
                update(store, onAlicesPage);
                out.println("  Alice's save went through (this should not happen).");
            } catch (ConcurrencyException e) {
                out.printf("  Alice saves with store(person, %s) and gets a ConcurrencyException.%n",
                        onAlicesPage.getEtag());
                out.println("  She reloads, sees Bob's name, and decides what to do. The end.");
            }
        }
    }

    private static Person get(DocumentStore store, String id) {
        try (DocumentSession session = store.openSession()) {
            return session.load(Person.class, id);
        }
    }

    private static void update(DocumentStore store, Person person) {
        try (DocumentSession session = store.openSession()) {
            Etag etag = person.getEtag();
            session.store(person, etag);
            session.saveChanges();
        }
    }
}
