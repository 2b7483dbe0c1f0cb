package dev.corvid.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.corvid.client.ConcurrencyException;
import dev.corvid.client.DatabaseCommands;
import dev.corvid.client.DocumentSession;
import dev.corvid.client.DocumentStore;
import dev.corvid.client.Etag;
import dev.corvid.client.JsonDocument;
import dev.corvid.client.RawJsonDocument;
import dev.corvid.client.SessionOptions;
import dev.corvid.client.WriteAssurance;
import dev.corvid.probe.ClusterProbe;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The load tool behind {@code scripts/bench.sh}: drives a running Corvid cluster through the
 * Corvid client and prints one line per phase,
 * {@code RESULT store=corvid phase=<phase> ops=<n> secs=<s> ops_per_s=<x> p50_ms=<x> p99_ms=<x> conflicts=<n> errors=<n>},
 * then the peak resident memory of each node.
 *
 * <p>Every write is durable when acknowledged: the master syncs its write-ahead log record
 * ({@code fdatasync}) before it answers.
 */
@Command(name = "corvid-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Benchmarks a running Corvid cluster through the Corvid client.")
public final class Bench implements Callable<Integer> {

    static final List<String> PHASES = List.of("insert", "cas", "cas-assured", "hot-cas", "replica-read", "query-page",
            "query", "lag-idle", "lag", "failover", "promotion");
    /** The page of the query-page phase, and the results the query phase takes. */
    private static final int QUERY_PAGE = 25;
    private static final int QUERY_TAKE = 10;
    static final int HOT_DOCUMENTS = 10;
    static final List<String> API_PATHS = List.of("sessions", "commands", "raw");
    /** The metadata a session gives a Person, for the DatabaseCommands paths. */
    private static final String PEOPLE_METADATA = "{\"@collection\":\"People\"}";
    /** The assurance of the cas-assured phase: one replica has each save before it returns. */
    private static final WriteAssurance ONE_REPLICA = WriteAssurance.builder().numberOfReplicas(1).build();
    /** How long the replicas may take to catch up after a phase. */
    private static final Duration REPLICATION_DEADLINE = Duration.ofSeconds(60);

    @Option(names = "--node", required = true, paramLabel = "NAME=HOST:PORT",
            description = "A node of the cluster; the master first, then the replicas. Repeat per node.")
    List<String> nodeSpecs;

    @Option(names = "--threads", defaultValue = "32", description = "Client threads (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--docs", defaultValue = "10000", description = "Documents of about 1 KB to insert (default: ${DEFAULT-VALUE}).")
    int docs;

    @Option(names = "--duration", defaultValue = "20", description = "Seconds of a timed phase (default: ${DEFAULT-VALUE}).")
    int duration;

    @Option(names = "--phases", defaultValue = "insert,cas,cas-assured,hot-cas,replica-read,lag,failover", split = ",",
            description = "Phases to run, in this order: insert, cas, cas-assured (cas whose save waits for one"
                    + " replica), hot-cas, replica-read, query-page (a page of 25 People at a random offset), query"
                    + " (People of one age by name, the first 10: a filtered, sorted scan), lag-idle (lag with no"
                    + " other load), lag, failover, promotion (default: all but the queries, lag-idle and promotion).")
    Set<String> phases;

    @Option(names = "--warmup", defaultValue = "60",
            description = "Seconds of untimed inserts, cas and reads first, so the JIT has compiled the hot "
                    + "paths of the client and the nodes (default: ${DEFAULT-VALUE}; 0 skips).")
    int warmup;

    @Option(names = "--api", defaultValue = "sessions",
            description = "The client path of insert, cas, cas-assured, hot-cas and replica-read: sessions (load,"
                    + " store, saveChanges), commands (DatabaseCommands get and put with Jackson trees) or raw"
                    + " (DatabaseCommands getRaw and putRaw with JSON bytes, a replica read left unparsed)"
                    + " (default: ${DEFAULT-VALUE}).")
    String api;

    @Option(names = "--promotion-drills", defaultValue = "20",
            description = "Kills of the master in the promotion phase (default: ${DEFAULT-VALUE}).")
    int promotionDrills;

    @Option(names = "--tls", paramLabel = "DIR",
            description = "A TLS cluster's certificates folder (scripts/make-certs.sh): the client presents"
                    + " clients/readwrite.p12 and trusts ca.pem (scripts/bench.sh passes it for a config with \"tls\").")
    Path tls;

    @Option(names = "--pid-dir", paramLabel = "DIR",
            description = "Where the nodes' <name>.pid files are: needed for the failover phase and the memory report.")
    Path pidDir;

    @Option(names = "--restart-command", paramLabel = "CMD",
            description = "Shell command that starts a killed node again; {node} is replaced by its name. "
                    + "Needed for the failover phase.")
    String restartCommand;

    @Option(names = "--prefix", paramLabel = "PREFIX",
            description = "The ids' prefix (default: bench/<run>/, new for every run). Given an earlier run's prefix"
                    + " (it prints it) and no insert phase, the phases work on the documents that run inserted, e.g."
                    + " a large set loaded once, instead of inserting --docs documents first.")
    String prefix = "bench/" + Long.toString(System.currentTimeMillis(), 36) + "/";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;
    private ExecutorService pool;
    private BenchCluster cluster;
    /** The killed master's peak memory, from its first process (the failover phase restarts it). */
    private Optional<Double> masterPeakBeforeKill = Optional.empty();
    private boolean failed;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Bench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        for (String phase : phases) {
            if (!PHASES.contains(phase)) {
                throw new CommandLine.ParameterException(new CommandLine(this),
                        "unknown phase '" + phase + "'; phases are " + String.join(", ", PHASES));
            }
        }
        if (!API_PATHS.contains(api)) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "unknown --api '" + api + "'; use " + String.join(", ", API_PATHS));
        }
        if (threads < 1 || docs < 1 || duration < 1 || warmup < 0) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--threads, --docs and --duration must be at least 1, --warmup at least 0");
        }
        if ((phases.contains("failover") || phases.contains("promotion")) && (pidDir == null || restartCommand == null)) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "the failover and promotion phases need --pid-dir and --restart-command (scripts/bench.sh passes them)");
        }
        pool = Executors.newFixedThreadPool(threads + 1);
        try (BenchCluster c = new BenchCluster(nodeSpecs.stream().map(BenchCluster.Node::parse).toList(), pidDir, tls)) {
            cluster = c;
            if (phases.contains("failover") && c.pid(c.master()).isEmpty()) {
                System.err.println("corvid-bench: the failover phase kills the master, but no live pid of "
                        + c.master() + " is in " + pidDir + " (start the cluster with scripts/start-cluster.sh)");
                return 2;
            }
            System.out.printf("corvid-bench: master %s, replicas %s; %d threads, %d documents, %d s phases, warm-up %d s,"
                    + " api %s; ids under %s%n", c.master(), c.replicas(), threads, docs, duration, warmup, api, prefix);
            if (warmup > 0) {
                warmUp();
            }
            run();
        } finally {
            pool.shutdownNow();
        }
        return failed ? 1 : 0;
    }

    private void run() throws Exception {
        if (phases.contains("insert")) {
            print(insertPhase());
        } else if (spec.commandLine().getParseResult().hasMatchedOption("--prefix")) {
            System.out.printf("no insert: the phases work on the %d documents under %s%n", docs, prefix);
        } else {
            insertPhase(); // the other phases read and change these documents
        }
        if (phases.contains("cas")) {
            print(casPhase());
        }
        if (phases.contains("cas-assured")) {
            print(timedPhase(r -> casOnce(randomDocument(), r, ONE_REPLICA)).line("cas-assured", "replicas=1"));
        }
        if (phases.contains("hot-cas")) {
            print(hotCasPhase());
        }
        if (phases.contains("replica-read")) {
            print(replicaReadPhase());
        }
        if (phases.contains("query-page")) {
            print(timedPhase(r -> queryOnce(r, "query-page", s -> s.query(Person.class)
                    .skip(ThreadLocalRandom.current().nextInt(docs)).take(QUERY_PAGE).toList()))
                    .line("query-page", "take=" + QUERY_PAGE));
        }
        if (phases.contains("query")) {
            print(timedPhase(r -> queryOnce(r, "query", s -> s.query(Person.class)
                    .whereEquals("age", Person.AGES_FROM + ThreadLocalRandom.current().nextInt(Person.AGES))
                    .orderBy("name").take(QUERY_TAKE).toList()))
                    .line("query", "take=" + QUERY_TAKE));
        }
        if (phases.contains("lag-idle")) {
            print(new LagProbe(cluster, prefix).runIdle(duration));
        }
        if (phases.contains("lag")) {
            print(new LagProbe(cluster, prefix).run(duration,
                    end -> timed(end, r -> casOnce(randomDocument(), r))));
        }
        if (phases.contains("failover")) {
            FailoverDrill drill = new FailoverDrill(cluster, restartCommand);
            print(drill.run(this::randomDocument, loop -> onThreads(pool, Math.min(threads, FailoverDrill.READERS), loop)));
            masterPeakBeforeKill = drill.masterPeakBeforeKill();
        }
        if (phases.contains("promotion")) {
            print(new PromotionDrill(cluster, restartCommand, promotionDrills, prefix).run());
        }
        printMemory();
    }

    private void print(String line) {
        System.out.println(line);
        if (line.contains(" FAILED")) {
            failed = true;
        }
    }

    /** Untimed rounds of every kind of work, on documents of their own. */
    private void warmUp() throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(warmup);
        int round = 0;
        while (System.nanoTime() < end) {
            String roundPrefix = prefix + "warmup-" + round++ + "/people/";
            int count = 2_000;
            forEachIndex(count, (i, r) -> insertOnce(roundPrefix + i, i, r));
            awaitReplicasCaughtUp();
            long stop = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            timed(stop, r -> casOnce(roundPrefix + ThreadLocalRandom.current().nextInt(count), r));
            AtomicInteger stripes = new AtomicInteger();
            timed(System.nanoTime() + TimeUnit.SECONDS.toNanos(2),
                    r -> replicaReadOnce(stripes, roundPrefix + ThreadLocalRandom.current().nextInt(count), r));
        }
        System.out.printf("warm-up done (%d rounds)%n", round);
    }

    // ---- insert -----------------------------------------------------------------------------

    private String document(int i) {
        return prefix + "people/" + i;
    }

    private String randomDocument() {
        return document(ThreadLocalRandom.current().nextInt(docs));
    }

    private String insertPhase() throws Exception {
        long start = System.nanoTime();
        Recorder r = forEachIndex(docs, (i, rec) -> insertOnce(document(i), i, rec));
        Phase phase = new Phase(r, (System.nanoTime() - start) / 1e9);
        awaitReplicasCaughtUp();
        return phase.line("insert", "");
    }

    /** Inserts one document (in its own session, or one put), with the must-not-exist check. */
    private void insertOnce(String id, int i, Recorder r) {
        long t0 = System.nanoTime();
        try {
            switch (api) {
                case "commands" -> cluster.store().getDatabaseCommands().put(id, Etag.EMPTY,
                        mapper().valueToTree(Person.numbered(i)), (ObjectNode) mapper().readTree(PEOPLE_METADATA));
                case "raw" -> cluster.store().getDatabaseCommands().putRaw(id, Etag.EMPTY,
                        mapper().writeValueAsBytes(Person.numbered(i)), PEOPLE_METADATA.getBytes(StandardCharsets.UTF_8));
                default -> {
                    try (DocumentSession session = cluster.store().openSession()) {
                        session.store(Person.numbered(i), Etag.EMPTY, id);
                        session.saveChanges();
                    }
                }
            }
            r.success(System.nanoTime() - t0);
        } catch (IOException e) {
            r.errors++;
            reportFirst(r, "insert " + id, new UncheckedIOException(e));
        } catch (ConcurrencyException e) {
            r.conflicts++;
        } catch (RuntimeException e) {
            r.errors++;
            reportFirst(r, "insert " + id, e);
        }
    }

    // ---- cas ----------------------------------------------------------------------------------

    private String casPhase() throws Exception {
        return timedPhase(r -> casOnce(randomDocument(), r)).line("cas", "");
    }

    /**
     * {@code cas} over {@value #HOT_DOCUMENTS} documents, then the lost-update check: the
     * counters on the master must add up to the successful saves, and every replica must reach
     * the same sum.
     */
    private String hotCasPhase() throws Exception {
        String hot = prefix + "hot/";
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < HOT_DOCUMENTS; i++) {
            ids.add(hot + i);
        }
        forEachIndex(HOT_DOCUMENTS, (i, r) -> insertOnce(ids.get(i), i, r));
        Phase phase = timedPhase(r -> casOnce(ids.get(ThreadLocalRandom.current().nextInt(HOT_DOCUMENTS)), r));
        long saves = phase.recorder().successes();
        long onMaster = counterSum(cluster.store(), ids, true);
        boolean replicasMatch = awaitCounterSum(ids, onMaster);
        boolean ok = onMaster == saves && replicasMatch;
        return phase.line("hot-cas", "counter_sum=" + onMaster + " lost_updates=" + (saves - onMaster)
                + " replicas=" + (replicasMatch ? "match" : "DIFFER") + (ok ? "" : " FAILED"));
    }

    /**
     * One read-modify-write: a session with optimistic concurrency loads the document from the
     * master, increments its counter and saves; a conflict is counted, not retried.
     */
    void casOnce(String id, Recorder r) {
        casOnce(id, r, WriteAssurance.NONE);
    }

    /** {@link #casOnce(String, Recorder)} whose save returns only once {@code assurance} is met. */
    void casOnce(String id, Recorder r, WriteAssurance assurance) {
        switch (api) {
            case "commands", "raw" -> casWithCommands(id, r, assurance);
            default -> casWithSession(id, r, assurance);
        }
    }

    /** {@link #casOnce} through {@code DatabaseCommands}: a get from the master and a put with its etag. */
    private void casWithCommands(String id, Recorder r, WriteAssurance assurance) {
        long t0 = System.nanoTime();
        DatabaseCommands commands = cluster.store().getDatabaseCommands().withWriteAssurance(assurance);
        try {
            if (api.equals("raw")) {
                RawJsonDocument document = commands.getRaw(id);
                if (document == null) {
                    throw new IllegalStateException("document not found");
                }
                Person p = mapper().readValue(document.getBody(), Person.class);
                p.setCounter(p.getCounter() + 1);
                p.setAge(p.getAge() + 1);
                commands.putRaw(id, document.getEtag(), mapper().writeValueAsBytes(p), document.getMetadata());
            } else {
                JsonDocument document = commands.get(id);
                if (document == null) {
                    throw new IllegalStateException("document not found");
                }
                ObjectNode body = document.getBody();
                body.put("counter", body.path("counter").asLong() + 1);
                body.put("age", body.path("age").asInt() + 1);
                commands.put(id, document.getEtag(), body, document.getMetadata());
            }
            r.success(System.nanoTime() - t0);
        } catch (ConcurrencyException e) {
            r.conflicts++;
        } catch (IOException e) {
            r.errors++;
            reportFirst(r, "cas " + id, new UncheckedIOException(e));
        } catch (RuntimeException e) {
            r.errors++;
            reportFirst(r, "cas " + id, e);
        }
    }

    private void casWithSession(String id, Recorder r, WriteAssurance assurance) {
        long t0 = System.nanoTime();
        try (DocumentSession session = cluster.store().openSession(new SessionOptions().setForceReadFromMaster(true))) {
            session.advanced().setUseOptimisticConcurrency(true);
            if (assurance.isRequested()) {
                session.advanced().waitForReplicationAfterSaveChanges(o -> o.numberOfReplicas(assurance.getNumberOfReplicas())
                        .withTimeout(assurance.getTimeout()));
            }
            Person p = session.load(Person.class, id);
            if (p == null) {
                r.errors++;
                reportFirst(r, "cas " + id, new IllegalStateException("document not found"));
                return;
            }
            p.setCounter(p.getCounter() + 1);
            p.setAge(p.getAge() + 1);
            session.saveChanges();
            r.success(System.nanoTime() - t0);
        } catch (ConcurrencyException e) {
            r.conflicts++;
        } catch (RuntimeException e) {
            r.errors++;
            reportFirst(r, "cas " + id, e);
        }
    }

    private ObjectMapper mapper() {
        return cluster.store().getConventions().getObjectMapper();
    }

    /** The sum of the counters of {@code ids}, read in one session. */
    private static long counterSum(DocumentStore store, List<String> ids, boolean fromMaster) {
        try (DocumentSession session = store.openSession(new SessionOptions().setForceReadFromMaster(fromMaster))) {
            return session.load(Person.class, ids).stream().mapToLong(p -> p == null ? 0 : p.getCounter()).sum();
        }
    }

    /** Whether every replica reaches {@code sum} within 30 s. */
    private boolean awaitCounterSum(List<String> ids, long sum) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (DocumentStore replica : cluster.replicaStores()) {
            while (counterSum(replica, ids, false) != sum) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                TimeUnit.MILLISECONDS.sleep(10);
            }
        }
        return true;
    }

    // ---- queries ------------------------------------------------------------------------------

    /** One session query of the People collection on the master; an empty answer is an error. */
    private void queryOnce(Recorder r, String what, java.util.function.Function<DocumentSession, List<Person>> query) {
        long t0 = System.nanoTime();
        try (DocumentSession session = cluster.store().openSession()) {
            if (query.apply(session).isEmpty()) {
                r.errors++;
                reportFirst(r, what, new IllegalStateException("no results"));
            } else {
                r.success(System.nanoTime() - t0);
            }
        } catch (RuntimeException e) {
            r.errors++;
            reportFirst(r, what, e);
        }
    }

    // ---- replica reads ------------------------------------------------------------------------

    private String replicaReadPhase() throws Exception {
        AtomicInteger stripes = new AtomicInteger();
        return timedPhase(r -> replicaReadOnce(stripes, randomDocument(), r)).line("replica-read", "");
    }

    /** One session on the next replica in turn, loading one document. */
    private void replicaReadOnce(AtomicInteger stripes, String id, Recorder r) {
        List<DocumentStore> replicas = cluster.replicaStores();
        DocumentStore store = replicas.get(Math.floorMod(stripes.getAndIncrement(), replicas.size()));
        long t0 = System.nanoTime();
        try {
            boolean found = switch (api) {
                case "commands" -> store.getDatabaseCommands().get(id) != null;
                case "raw" -> store.getDatabaseCommands().getRaw(id) != null;
                default -> {
                    try (DocumentSession session = store.openSession()) {
                        yield session.load(Person.class, id) != null;
                    }
                }
            };
            if (!found) {
                r.errors++;
                reportFirst(r, "replica read " + id, new IllegalStateException("document not found"));
            } else {
                r.success(System.nanoTime() - t0);
            }
        } catch (RuntimeException e) {
            r.errors++;
            reportFirst(r, "replica read " + id, e);
        }
    }

    /** Waits until every replica has applied everything the master has written so far (what a phase wrote). */
    private void awaitReplicasCaughtUp() {
        ClusterProbe probe = cluster.probe();
        probe.awaitApplied(probe.node(probe.master()).stats().getLastEtag(), REPLICATION_DEADLINE);
    }

    // ---- running work on the client threads ----------------------------------------------------

    /** One unit of work, tallied in the worker's recorder. */
    interface Work {
        void run(Recorder r);
    }

    private interface IndexedWork {
        void run(int index, Recorder r);
    }

    /** Every index in {@code [0, count)} once, shared out among the client threads. */
    private Recorder forEachIndex(int count, IndexedWork work) throws Exception {
        AtomicInteger next = new AtomicInteger();
        return onAllThreads(r -> {
            for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                work.run(i, r);
            }
        });
    }

    /** A phase's tally and how long it ran. */
    private record Phase(Recorder recorder, double seconds) {
        String line(String name, String extra) {
            return recorder.resultLine(name, seconds, extra);
        }
    }

    /** {@code work} repeated by every client thread for {@code --duration} seconds. */
    private Phase timedPhase(Work work) throws Exception {
        long start = System.nanoTime();
        Recorder r = timed(start + TimeUnit.SECONDS.toNanos(duration), work);
        return new Phase(r, (System.nanoTime() - start) / 1e9);
    }

    /** {@code work} repeated by every client thread until {@code endNanos}. */
    Recorder timed(long endNanos, Work work) throws Exception {
        return onAllThreads(r -> {
            while (System.nanoTime() < endNanos) {
                work.run(r);
            }
        });
    }

    private Recorder onAllThreads(Work loop) throws Exception {
        return onThreads(pool, threads, loop);
    }

    static Recorder onThreads(ExecutorService pool, int threads, Work loop) throws Exception {
        List<Future<Recorder>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            futures.add(pool.submit(() -> {
                Recorder r = new Recorder();
                loop.run(r);
                return r;
            }));
        }
        List<Recorder> parts = new ArrayList<>();
        for (Future<Recorder> f : futures) {
            parts.add(f.get());
        }
        return Recorder.merge(parts);
    }

    /** Prints the first error of a worker (later ones are only counted). */
    static void reportFirst(Recorder r, String what, RuntimeException e) {
        if (r.errors == 1) {
            System.err.println("error (" + what + "): " + e);
        }
    }

    private static String mib(Optional<Double> value) {
        return value.map(m -> String.format(Locale.ROOT, "%.0f", m)).orElse("unknown");
    }

    private void printMemory() {
        if (!cluster.knowsProcesses()) {
            return;
        }
        for (BenchCluster.Node n : cluster.nodes()) {
            boolean master = n.equals(cluster.master());
            Optional<Double> peak = cluster.peakRssMib(n);
            if (master && masterPeakBeforeKill.isPresent()) {
                peak = Optional.of(Math.max(masterPeakBeforeKill.get(), peak.orElse(0.0)));
            }
            System.out.printf(Locale.ROOT, "MEMORY node=%s role=%s peak_rss_mib=%s rss_anon_mib=%s rss_file_mib=%s%n",
                    n.name(), master ? "master" : "replica", mib(peak), mib(cluster.statusMib(n, "RssAnon:")),
                    mib(cluster.statusMib(n, "RssFile:")));
        }
    }
}
