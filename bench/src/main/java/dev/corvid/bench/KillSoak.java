package dev.corvid.bench;

import dev.corvid.client.ConcurrencyException;
import dev.corvid.client.CorvidException;
import dev.corvid.client.DocumentSession;
import dev.corvid.client.DocumentStore;
import dev.corvid.client.SessionOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The kill -9 soak ({@code scripts/soak-kill.sh}): writers append tokens to shared documents
 * through sessions with optimistic concurrency (load from the master, append, saveChanges) while
 * the master is killed with {@code kill -9} and restarted, again and again, and now and then a
 * replica too. A token counts as acknowledged when its saveChanges returned. At the end every node
 * must hold every acknowledged token, no token nobody sent, and none twice.
 */
@Command(name = "corvid-kill-soak", mixinStandardHelpOptions = true,
        description = "kill -9 of the master (and replicas) under sustained writes; checks no acknowledged write is lost.")
public final class KillSoak implements Callable<Integer> {

    @Option(names = "--node", required = true, description = "NAME=HOST:PORT, the master first.")
    List<String> nodeSpecs;

    @Option(names = "--pid-dir", required = true, description = "Where the nodes' <name>.pid files are.")
    Path pidDir;

    @Option(names = "--restart-command", required = true, description = "Starts a node again; {node} is its name.")
    String restartCommand;

    @Option(names = "--kills", defaultValue = "50", description = "kill -9s of the master [${DEFAULT-VALUE}].")
    int kills;

    @Option(names = "--replica-every", defaultValue = "5",
            description = "Also kill a replica after every this many master kills [${DEFAULT-VALUE}].")
    int replicaEvery;

    @Option(names = "--writers", defaultValue = "8", description = "Writer threads [${DEFAULT-VALUE}].")
    int writers;

    @Option(names = "--documents", defaultValue = "256", description = "Shared documents [${DEFAULT-VALUE}].")
    int documents;

    @Option(names = "--tokens-per-round", defaultValue = "3000",
            description = "Acknowledged tokens between two kills [${DEFAULT-VALUE}].")
    int tokensPerRound;

    private final Set<String> sent = ConcurrentHashMap.newKeySet();
    private final Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    private final AtomicInteger conflicts = new AtomicInteger();
    private final AtomicInteger unknown = new AtomicInteger();
    private volatile boolean running = true;

    /** The document the writers append to. */
    public static final class TokenList {
        public String id;
        public List<String> tokens = new ArrayList<>();
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new KillSoak()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        try (BenchCluster cluster = new BenchCluster(nodeSpecs.stream().map(BenchCluster.Node::parse).toList(), pidDir)) {
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                Thread t = new Thread(() -> write(cluster.store(), writer), "soak-writer-" + w);
                t.setDaemon(true);
                t.start();
                threads.add(t);
            }
            long started = System.nanoTime();
            int replicaKills = 0;
            for (int kill = 1; kill <= kills; kill++) {
                awaitAcknowledged(acknowledged.size() + tokensPerRound, kill);
                cluster.kill(cluster.master());
                cluster.restart(cluster.master(), restartCommand);
                if (replicaEvery > 0 && kill % replicaEvery == 0) {
                    BenchCluster.Node replica = cluster.replicas().get(replicaKills++ % cluster.replicas().size());
                    cluster.kill(replica);
                    cluster.restart(replica, restartCommand);
                }
                System.out.printf(Locale.ROOT, "kill %d/%d done: %s%n", kill, kills, tally());
            }
            awaitAcknowledged(acknowledged.size() + tokensPerRound, kills + 1);
            running = false;
            for (Thread t : threads) {
                t.join(TimeUnit.SECONDS.toMillis(60));
            }
            double secs = (System.nanoTime() - started) / 1e9;
            boolean ok = check("master " + cluster.master().name(), cluster.store(), true);
            for (int r = 0; r < cluster.replicas().size(); r++) {
                ok &= awaitAndCheck("replica " + cluster.replicas().get(r).name(), cluster.replicaStores().get(r));
            }
            System.out.printf(Locale.ROOT, "RESULT soak=kill-9 master_kills=%d replica_kills=%d secs=%.0f %s ok=%s%n",
                    kills, replicaKills, secs, tally().replace(", ", " ").replace(": ", "="), ok);
            return ok ? 0 : 1;
        }
    }

    private String tally() {
        return "sent: " + sent.size() + ", acknowledged: " + acknowledged.size() + ", conflicts: " + conflicts.get()
                + ", unknown_outcome: " + unknown.get();
    }

    private void awaitAcknowledged(int target, int round) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (acknowledged.size() < target) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("round " + round + ": writes stalled (" + tally() + ")");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    private void write(DocumentStore store, int writer) {
        SessionOptions fromMaster = new SessionOptions().setForceReadFromMaster(true);
        long n = 0;
        while (running) {
            String token = writer + "-" + n++;
            String id = "tokenlists/" + ThreadLocalRandom.current().nextInt(documents);
            sent.add(token);
            while (running) {
                try (DocumentSession session = store.openSession(fromMaster)) {
                    session.advanced().setUseOptimisticConcurrency(true);
                    TokenList list = session.load(TokenList.class, id);
                    if (list == null) {
                        list = new TokenList();
                        list.id = id;
                        session.store(list);
                    }
                    list.tokens.add(token);
                    session.saveChanges();
                    acknowledged.add(token);
                    break;
                } catch (ConcurrencyException e) {
                    conflicts.incrementAndGet(); // not applied: load again, retry the same token
                } catch (CorvidException e) {
                    unknown.incrementAndGet(); // may or may not be stored: never resend it
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
                    break;
                }
            }
        }
    }

    /** Waits (up to a minute) until the node holds every acknowledged token, then checks it. */
    private boolean awaitAndCheck(String node, DocumentStore store) {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
        while (System.nanoTime() < deadline && !stored(store).containsAll(acknowledged)) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
        }
        return check(node, store, false);
    }

    private boolean check(String node, DocumentStore store, boolean master) {
        Set<String> stored = stored(store);
        Set<String> missing = new HashSet<>(acknowledged);
        missing.removeAll(stored);
        Set<String> invented = new HashSet<>(stored);
        invented.removeAll(sent);
        System.out.printf(Locale.ROOT, "CHECK %s: %d tokens stored, %d acknowledged ones missing%s, %d never sent%n",
                node, stored.size(), missing.size(), missing.isEmpty() ? "" : " (e.g. " + missing.stream().limit(5).toList() + ")",
                invented.size());
        return missing.isEmpty() && invented.isEmpty();
    }

    /** Every token the node's documents hold; a token held twice is reported and counted once. */
    private Set<String> stored(DocumentStore store) {
        Set<String> out = new HashSet<>();
        List<String> ids = new ArrayList<>();
        for (int d = 0; d < documents; d++) {
            ids.add("tokenlists/" + d);
        }
        try (DocumentSession session = store.openSession()) {
            for (TokenList list : session.load(TokenList.class, ids)) {
                if (list != null) {
                    for (String t : list.tokens) {
                        if (!out.add(t)) {
                            System.out.println("CHECK token " + t + " stored twice in " + list.id);
                            out.add("duplicate:" + t); // never sent, so the check fails
                        }
                    }
                }
            }
        }
        return out;
    }
}
