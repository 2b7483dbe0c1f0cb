package dev.corvid.node.storage;

import dev.corvid.node.storage.index.DocumentIndex;
import dev.corvid.node.storage.mapdb.MapDbCheckpoint;
import dev.corvid.node.storage.mapdb.MapDbFlusher;
import dev.corvid.node.storage.query.QueryEngine;
import dev.corvid.node.storage.wal.ChangeCounter;
import dev.corvid.node.storage.wal.LogEntry;
import dev.corvid.node.storage.wal.LogRecovery;
import dev.corvid.node.storage.wal.WriteAheadLog;
import dev.corvid.node.storage.write.GroupCommitWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Storage} on a write-ahead log of our own and an index checkpointed in MapDB; see the package documentation for the path of a write. {@link #open} is how the
 * node gets its storage, {@link #repairLog} how an operator cuts a corrupt log.
 *
 * <p>Why a log of our own and MapDB: a MapDB commit costs two fsyncs and about 1.4 ms under a global lock, which caps a
 * node near 700 durable writes a second. Here a write is durable once its log record is synced
 * (one {@code fdatasync} for a whole group of concurrent writers) and visible once applied to what
 * the index holds in memory; a flusher thread hands it to MapDB and commits MapDB (checkpoints)
 * every few thousand entries or seconds, off the callers' path. Opening after a crash replays the
 * log records after the last checkpoint.
 *
 * <p>Files in the data directory: {@code index.db} (MapDB, transactional), {@code wal/} and
 * {@value ChangeCounter#FILE} (see {@link ChangeCounter}).
 */
public final class LogStorage implements Storage {

    private static final Logger log = LoggerFactory.getLogger(LogStorage.class);
    private static final long MAX_ID_RESERVATION = 1_000_000;
    static final String INDEX_FILE = "index.db";
    static final String LOG_DIRECTORY = "wal";

    private final StorageOptions options;
    private final MapDbCheckpoint checkpoint;
    private final DocumentIndex index;
    private final MapDbFlusher flusher;
    private final WriteAheadLog wal;
    private final GroupCommitWriter writer;
    private final ChangeCounter counter;
    private final int nodeTag;
    private final AtomicBoolean closed = new AtomicBoolean();

    private LogStorage(StorageOptions options, MapDbCheckpoint checkpoint, DocumentIndex index, MapDbFlusher flusher,
                       WriteAheadLog wal, GroupCommitWriter writer, ChangeCounter counter, int nodeTag) {
        this.options = options;
        this.checkpoint = checkpoint;
        this.index = index;
        this.flusher = flusher;
        this.wal = wal;
        this.writer = writer;
        this.counter = counter;
        this.nodeTag = nodeTag;
    }

    /**
     * Opens (or creates) the storage in {@code options.dataDirectory()}, replaying the log past the
     * last checkpoint. Every open counts as a restart, so etags issued from now on sort after every
     * etag issued before, even ones a crash kept from being acknowledged.
     *
     * @throws UncheckedIOException when the files cannot be opened, e.g. locked by another process
     */
    public static LogStorage open(StorageOptions options) {
        return open(options, CheckpointPolicy.of(options));
    }

    private static boolean isEmptyOrMissing(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return true;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    static LogStorage open(StorageOptions options, CheckpointPolicy policy) {
        MapDbCheckpoint checkpoint = null;
        MapDbFlusher flusher = null;
        WriteAheadLog wal = null;
        try {
            Path dir = options.dataDirectory().toAbsolutePath().normalize();
            if (isEmptyOrMissing(dir)) {
                // Said at once: a config copied elsewhere resolves a relative dataDir elsewhere too.
                log.info("no data in {}: this node starts new and empty (a relative \"dataDir\" is resolved "
                        + "from the folder of its config file)", dir);
            }
            Files.createDirectories(dir);
            long started = System.nanoTime();
            checkpoint = MapDbCheckpoint.open(dir.resolve(INDEX_FILE));
            DocumentIndex index = checkpoint.loadIndex(options.cacheBytes());
            long indexLoaded = System.nanoTime();
            wal = new WriteAheadLog(dir.resolve(LOG_DIRECTORY), options.logSegmentBytes());
            int nodeTag = checkpoint.nodeTag();
            int restart = checkpoint.nextRestart();
            long checkpointSeq = checkpoint.checkpointSeq();
            MapDbFlusher recovery = new MapDbFlusher(checkpoint, index, wal, policy);
            flusher = recovery;
            int[] replayed = {0};
            LogRecovery.Result recovered = wal.replay(checkpointSeq, (seq, payload) -> {
                index.replay(LogEntry.decode(payload), recovery::stageRecovered);
                replayed[0]++;
            });
            long lastSeq = recovered.lastSeq();
            flusher.commitRecovery(lastSeq);
            ChangeCounter counter = ChangeCounter.open(dir, index.lastChange(), recovered.bytesCut() > 0);
            wal.startSegment(lastSeq + 1);
            wal.retireSegmentsUpTo(lastSeq); // the flusher prepares the spare once it runs
            Etag lastEtag = index.lastChange() == 0 ? null : lastEtagOf(index);
            long opened = System.nanoTime();
            log.info("storage opened in {}: node tag {}, start #{}, {} documents, {} log records replayed{}; "
                            + "{} ms to load the index, {} ms for the log",
                    dir, Etag.nodeTagText(nodeTag), restart, index.documentCount(), replayed[0],
                    recovered.bytesCut() == 0 ? "" : ", a torn tail of " + recovered.bytesCut() + " bytes cut at record "
                            + recovered.cutAtSeq(),
                    (indexLoaded - started) / 1_000_000, (opened - indexLoaded) / 1_000_000);
            // The writer takes no write before open returns, so the flusher may start after it.
            GroupCommitWriter writer = new GroupCommitWriter(index, flusher, wal, counter, nodeTag, restart,
                    lastSeq + 1, lastEtag, policy);
            flusher.start(writer::fail);
            return new LogStorage(options, checkpoint, index, flusher, wal, writer, counter, nodeTag);
        } catch (IOException e) {
            closeQuietly(flusher, checkpoint, wal);
            throw new UncheckedIOException("cannot open storage in " + options.dataDirectory() + ": " + e, e);
        } catch (RuntimeException e) {
            closeQuietly(flusher, checkpoint, wal);
            throw e;
        }
    }

    /**
     * Cuts a corrupt write-ahead log at its first damaged record, for an operator who accepts
     * losing what follows it on this node: the damaged segment is copied, and every later segment
     * moved, to a new {@code wal-quarantine-<time>} folder of the data directory, and the segment
     * is cut at the damaged record. Storage must be closed (the node stopped). A log that is not
     * corrupt is left as it is.
     *
     * @return what was done, for the operator
     * @throws StorageOpenException when the index cannot be opened or the log cannot be repaired
     */
    public static String repairLog(Path dataDirectory) {
        Path dir = dataDirectory.toAbsolutePath();
        Path walDir = dir.resolve(LOG_DIRECTORY);
        if (!Files.isDirectory(walDir)) {
            throw new StorageOpenException(walDir, "no write-ahead log in " + dir + ": is it a node's data directory?");
        }
        MapDbCheckpoint checkpoint = MapDbCheckpoint.open(dir.resolve(INDEX_FILE));
        try {
            DocumentIndex index = checkpoint.loadIndex(0);
            Path quarantine = dir.resolve("wal-quarantine-" + java.time.LocalDateTime.now().withNano(0).toString()
                    .replace(':', '-'));
            LogRecovery.Result result = LogRecovery.repair(walDir, WriteAheadLog.segments(walDir),
                    checkpoint.checkpointSeq(), quarantine);
            if (result.repaired() != null) {
                ChangeCounter.markCut(dir, index.lastChange());
            }
            return result.repaired() != null ? result.repaired()
                    : "the write-ahead log in " + walDir + " is not corrupt (it reads through record " + result.lastSeq()
                    + "); nothing was changed";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot repair the log in " + walDir + ": " + e, e);
        } finally {
            checkpoint.close();
        }
    }

    /** Tests only: runs on the thread that forces the log to disk, just before each force. */
    void beforeLogSync(Runnable hook) {
        wal.beforeForce(hook);
    }

    /** Tests only: whether the collections' member ranges are counted (see {@code DocumentIndex#membersRanked}). */
    boolean membersRanked() {
        return index.membersRanked();
    }

    /** The log sequence number the last MapDB commit covers (0 before the first). */
    long checkpointSeq() {
        return checkpoint.checkpointSeq();
    }

    private static Etag lastEtagOf(DocumentIndex index) {
        List<Change> last = index.changesAfter(index.lastChange() - 1, 1);
        return last.isEmpty() ? null : last.get(0).etag();
    }

    /** Hears each write, log sync and MapDB checkpoint from now on (metrics). */
    public void observe(StorageObserver observer) {
        writer.observe(observer);
        flusher.observe(observer);
    }

    @Override
    public int nodeTag() {
        return nodeTag;
    }

    @Override
    public Optional<StoredDocument> get(String id) {
        DocumentIds.checkId(id);
        return index.document(id);
    }

    @Override
    public List<Optional<StoredDocument>> getAll(List<String> ids, long maxBytes) {
        ids.forEach(DocumentIds::checkId);
        return index.documents(ids, maxBytes);
    }

    @Override
    public List<WriteResult> write(WriteBatch batch) {
        checkSizes(batch);
        return writer.write(batch);
    }

    @Override
    public CompletableFuture<List<WriteResult>> writeAsync(WriteBatch batch) {
        checkSizes(batch);
        return writer.writeAsync(batch);
    }

    private void checkSizes(WriteBatch batch) {
        for (Mutation m : batch.mutations()) {
            if (m.documentBytes() > options.maxDocumentBytes()) {
                throw new BadRequestException("document '" + m.id() + "' is " + m.documentBytes()
                        + " bytes (metadata and body JSON); the limit is " + options.maxDocumentBytes());
            }
        }
    }

    @Override
    public IdRange reserveIds(String collection, long count) {
        DocumentIds.checkCollection(collection);
        if (count < 1 || count > MAX_ID_RESERVATION) {
            throw new BadRequestException("can reserve 1 to " + MAX_ID_RESERVATION + " ids at a time, not " + count);
        }
        return writer.reserveIds(collection, count);
    }

    @Override
    public QueryResult query(Query query, java.util.function.BooleanSupplier cancelled) {
        DocumentIds.checkCollection(query.collection());
        if (!index.isKnownCollection(query.collection())) {
            throw new UnknownCollectionException(query.collection());
        }
        String collection = query.collection();
        return QueryEngine.run(query, new QueryEngine.Source() {
            @Override
            public QueryResult slice(int skip, int take) {
                DocumentIndex.Slice slice = index.collectionSlice(collection, skip, take);
                return new QueryResult(slice.documents(), slice.total());
            }

            @Override
            public List<StoredDocument> after(String afterId, int limit) {
                return index.collectionAfter(collection, afterId, limit);
            }
        }, cancelled);
    }

    @Override
    public List<Change> changesAfter(Etag after, int limit) {
        if (limit < 1) {
            throw new BadRequestException("limit must be 1 or more, was " + limit);
        }
        checkOwnEtag(after);
        return index.changesAfter(after.change(), limit);
    }

    private void checkOwnEtag(Etag etag) {
        if (!etag.isEmpty() && etag.nodeTag() != nodeTag) {
            throw new BadRequestException("etag " + etag + " was not issued by this node (tag "
                    + Etag.nodeTagText(nodeTag) + ")");
        }
    }

    @Override
    public long countChangesAfter(Etag after) {
        checkOwnEtag(after);
        return index.countChangesAfter(after.change());
    }

    @Override
    public CompletableFuture<Etag> applyReplicatedAsync(String source, List<Change> changes, Etag through) {
        return writer.applyReplicatedAsync(source, changes, through);
    }

    @Override
    public CompletableFuture<Void> recordProgressAsync(String name, Etag position) {
        return writer.recordProgressAsync(name, position);
    }

    @Override
    public CompletableFuture<List<HandbackOutcome>> handBackAsync(String from, String self, List<HandedBack> versions,
                                                                  ConflictPolicy policy) {
        return writer.handBackAsync(from, self, versions, policy);
    }

    @Override
    public Etag lastAppliedFrom(String source) {
        return index.sourceProgress(source);
    }

    @Override
    public void addCommitListener(Consumer<Etag> listener) {
        writer.addCommitListener(listener);
    }

    @Override
    public void addFailureListener(Consumer<Throwable> listener) {
        writer.addFailureListener(listener);
    }

    @Override
    public ContentScan contentScan(String source) {
        return index.contentScan(source);
    }

    @Override
    public long documentCount() {
        return index.documentCount();
    }

    @Override
    public long tombstoneCount() {
        return index.tombstoneCount();
    }

    @Override
    public List<String> collections() {
        return index.knownCollections();
    }

    @Override
    public Etag lastEtag() {
        return writer.lastEtag();
    }

    @Override
    public boolean canResumeFrom(Etag etag) {
        if (etag.isEmpty()) {
            return true;
        }
        Etag last = writer.lastEtag();
        return etag.nodeTag() == nodeTag && last != null && etag.change() <= last.change()
                && !counter.isLost(etag.change());
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            writer.close();
        } finally {
            // The flusher first: it commits MapDB and recycles log segments.
            closeQuietly(flusher, checkpoint, wal);
            log.info("storage closed: {}", options.dataDirectory());
        }
    }

    private static void closeQuietly(AutoCloseable... resources) {
        for (AutoCloseable r : resources) {
            if (r == null) {
                continue;
            }
            try {
                r.close();
            } catch (Exception e) {
                log.warn("closing {} failed: {}", r.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
