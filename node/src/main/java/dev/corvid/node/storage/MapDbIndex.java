package dev.corvid.node.storage;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.mapdb.Atomic;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;

/**
 * The index of storage, in two layers.
 *
 * <p><b>In memory</b>, authoritative for everything a write or a read decides on: id to etag, etag
 * order (the change feed), collection membership, id sequences, replication progress, and the
 * records applied since the last MapDB commit ({@code recent}). Rebuilt from MapDB on open. A
 * {@link RecordCache} keeps committed records in memory, so reads seldom wait for MapDB.
 *
 * <p><b>MapDB</b> (one transactional file) holds what must survive: each document's current record
 * (live version or tombstone, with its etag), the id sequences, the collections ever seen, the
 * replication progress and the counters. Only the {@link MapDbFlusher} thread writes and commits it,
 * in log order, off the writers' path; a commit records the log sequence number it covers, so
 * the log before it can be recycled and a restart replays only what comes after.
 *
 * <p>Changes reach MapDB only after the write-ahead log made them durable; they reach readers
 * after that too, except a replica's replicated changes (see {@link GroupCommitWriter}). The
 * storage writer applies a group of batches under the write lock, so readers never see part of a
 * batch.
 */
final class MapDbIndex implements AutoCloseable {

    /** One committed log record: its sequence number and what it did. */
    record Committed(long seq, List<LogEntry> entries) {
    }

    /** How many times a read locates its records before it reads MapDB under the lock after all. */
    private static final int OPTIMISTIC_READS = 3;

    private final DB db;
    /** id -> {@link DocumentRecord} (live version or tombstone). */
    private final HTreeMap<String, byte[]> documents;
    /** every collection ever stored, also after its documents are deleted. */
    private final NavigableSet<String> knownCollectionRecords;
    /** collection -> last reserved id number. */
    private final Map<String, Long> idSequenceRecords;
    /** replication source (master node name) -> last master etag applied, 16 bytes. */
    private final Map<String, byte[]> sourceProgressRecords;
    private final Atomic.Integer nodeTagVar;
    private final Atomic.Integer restartsVar;
    private final Atomic.Long lastChangeVar;
    private final Atomic.Long checkpointSeqVar;

    /** id -> etag, tombstone flag and collection of its current record. */
    private final Map<String, DocumentRecord.Header> headers = new ConcurrentHashMap<>();
    /** Each id once, at the change counter of its current record. Guarded by {@link #lock}. */
    private final ChangeOrder changeOrder;
    /** collection -> ids of its live documents. */
    private final Map<String, Set<String>> collections = new ConcurrentHashMap<>();
    private final Set<String> knownCollections = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> idSequences = new ConcurrentHashMap<>();
    private final Map<String, Etag> sourceProgress = new ConcurrentHashMap<>();
    /** id -> encoded record applied here that MapDB has not committed yet. */
    private final Map<String, byte[]> recent = new ConcurrentHashMap<>();
    /** Records MapDB has committed, as far as they fit. */
    private final RecordCache cache;

    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private MapDbFlusher flusher;
    /** What recovery replayed from the log, until {@link #finishReplay} writes it to MapDB. */
    private final DirtyItems replayed = new DirtyItems();

    // Mutated only by the writing thread (or recovery before it); read under the lock.
    private long lastChange;
    private long documentCount;

    /** @param cacheBytes how much memory the {@link RecordCache} of committed records may use */
    MapDbIndex(Path file, long cacheBytes) {
        this.cache = new RecordCache(cacheBytes);
        this.db = DBMaker.fileDB(file.toFile())
                .transactionEnable()
                .fileMmapEnableIfSupported()
                .fileMmapPreclearDisable()
                .cleanerHackEnable()
                .make();
        this.documents = db.hashMap("documents", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
        this.knownCollectionRecords = db.treeSet("collections", Serializer.STRING).createOrOpen();
        this.idSequenceRecords = db.treeMap("id-sequences", Serializer.STRING, Serializer.LONG).createOrOpen();
        this.sourceProgressRecords = db.hashMap("source-progress", Serializer.STRING, Serializer.BYTE_ARRAY)
                .createOrOpen();
        this.nodeTagVar = db.atomicInteger("node-tag").createOrOpen();
        this.restartsVar = db.atomicInteger("restarts").createOrOpen();
        this.lastChangeVar = db.atomicLong("last-change").createOrOpen();
        this.checkpointSeqVar = db.atomicLong("checkpoint-seq").createOrOpen();
        this.lastChange = lastChangeVar.get();
        List<ChangeOrder.Entry> order = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : documents.getEntries()) {
            DocumentRecord.Header header = DocumentRecord.header(e.getValue());
            indexLookups(e.getKey(), header);
            order.add(new ChangeOrder.Entry(header.etag().change(), e.getKey()));
            lastChange = Math.max(lastChange, header.etag().change());
        }
        this.changeOrder = ChangeOrder.of(order);
        knownCollections.addAll(knownCollectionRecords);
        idSequences.putAll(idSequenceRecords);
        sourceProgressRecords.forEach((source, etag) -> sourceProgress.put(source, decodeEtag(etag)));
    }

    private static byte[] encodeEtag(Etag etag) {
        return ByteBuffer.allocate(16).putLong(etag.high()).putLong(etag.change()).array();
    }

    private static Etag decodeEtag(byte[] bytes) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        return Etag.fromLongs(buf.getLong(), buf.getLong());
    }

    /** The node tag of this data directory, chosen at random (24 bits, never 0) when it is created. */
    int nodeTag() {
        int tag = nodeTagVar.get();
        if (tag == 0) {
            tag = ThreadLocalRandom.current().nextInt(1, 1 << 24);
            nodeTagVar.set(tag);
        }
        return tag;
    }

    /** Counts this start and returns its number; committed by the next {@link #checkpoint}. */
    int nextRestart() {
        return restartsVar.incrementAndGet();
    }

    long checkpointSeq() {
        return checkpointSeqVar.get();
    }

    long lastChange() {
        return lastChange;
    }

    long documentCount() {
        return read(() -> documentCount);
    }

    /**
     * Replays one log record on open, before the flusher runs: into memory and straight into MapDB.
     */
    void replay(List<LogEntry> entries) {
        assert flusher == null : "replay after the flusher started";
        for (LogEntry entry : entries) {
            replayed.add(applyToMemory(entry));
        }
    }

    /**
     * Ends recovery: writes what {@link #replay} applied to MapDB (each document once, however
     * often the log changed it) and commits it as covering the log up to {@code seq}.
     */
    void finishReplay(long seq) {
        assert flusher == null : "replay after the flusher started";
        for (PendingRecord p : replayed.persistTo(this)) {
            recent.remove(p.id(), p.record()); // no reader runs yet
        }
        checkpoint(seq);
    }

    /**
     * Starts the flusher; from now on MapDB is written and committed by it alone. {@code onFailure}
     * hears once if writing MapDB fails.
     */
    void startFlusher(WriteAheadLog wal, GroupCommitWriter.CheckpointPolicy policy, Consumer<Throwable> onFailure) {
        flusher = new MapDbFlusher(this, wal, policy, checkpointSeq(), onFailure);
    }

    /**
     * Makes the entries of log records visible to readers, all at once, without queueing them for
     * MapDB: {@link #persist} does that once the log records are durable, since a MapDB commit
     * must never cover a record the log may still lose. Writer thread.
     *
     * @return what {@link #persist} hands to MapDB, in the same order
     */
    List<Shown> show(List<Committed> batches) {
        List<Shown> shown = new ArrayList<>(batches.size());
        lock.writeLock().lock();
        try {
            for (Committed batch : batches) {
                List<Object> persisted = new ArrayList<>(batch.entries().size());
                for (LogEntry entry : batch.entries()) {
                    persisted.add(applyToMemory(entry));
                }
                shown.add(new Shown(batch.seq(), persisted));
            }
        } finally {
            lock.writeLock().unlock();
        }
        return shown;
    }

    /**
     * Queues what {@link #show} returned for MapDB, once its log records are durable. Blocks when
     * MapDB is far behind (back-pressure). Writer thread.
     */
    void persist(List<Shown> shown) throws InterruptedException {
        for (Shown batch : shown) {
            flusher.stage(batch.seq(), batch.items());
        }
        flusher.awaitRoom();
    }

    /** A log record made visible: its sequence number and what MapDB must receive for it. */
    record Shown(long seq, List<Object> items) {
    }

    /**
     * Updates the in-memory layer for one entry and returns what MapDB must receive: for a put or
     * delete the encoded record (also kept in {@code recent} until MapDB committed it), else the entry.
     */
    private Object applyToMemory(LogEntry entry) {
        if (entry instanceof LogEntry.Put put) {
            assert put.etag().change() > lastChange : put.etag().change() + " <= " + lastChange;
            byte[] record = DocumentRecord.live(put.etag(), put.collection(), put.metadata(), put.body()).encode();
            if (put.collection() != null) {
                knownCollections.add(put.collection());
            }
            index(put.id(), new DocumentRecord.Header(put.etag(), false, put.collection()));
            lastChange = put.etag().change();
            return remember(put.id(), record, put.collection());
        } else if (entry instanceof LogEntry.Delete delete) {
            assert delete.etag().change() > lastChange : delete.etag().change() + " <= " + lastChange;
            byte[] record = DocumentRecord.tombstone(delete.etag()).encode();
            index(delete.id(), new DocumentRecord.Header(delete.etag(), true, null));
            lastChange = delete.etag().change();
            return remember(delete.id(), record, null);
        } else if (entry instanceof LogEntry.ReserveIds reserve) {
            idSequences.put(reserve.collection(), reserve.last());
        } else if (entry instanceof LogEntry.SourceProgress progress) {
            sourceProgress.put(progress.source(), progress.lastApplied());
        }
        return entry;
    }

    /** A document record on its way to MapDB. */
    record PendingRecord(String id, byte[] record, String collection, long change) {
    }

    private PendingRecord remember(String id, byte[] record, String collection) {
        recent.put(id, record);
        return new PendingRecord(id, record, collection, lastChange);
    }

    /** Records {@code collection} among the collections ever stored. Flusher thread (or recovery before it starts). */
    void persistCollection(String collection) {
        if (!knownCollectionRecords.contains(collection)) {
            knownCollectionRecords.add(collection);
        }
    }

    /** Writes one staged item to MapDB. Flusher thread (or recovery before it starts). */
    void persist(Object item) {
        if (item instanceof PendingRecord p) {
            documents.put(p.id(), p.record()); // its collection: see DirtyItems
        } else if (item instanceof LogEntry.ReserveIds reserve) {
            idSequenceRecords.put(reserve.collection(), reserve.last());
        } else if (item instanceof LogEntry.SourceProgress progress) {
            sourceProgressRecords.put(progress.source(), encodeEtag(progress.lastApplied()));
        }
    }

    /**
     * After a MapDB commit that covers {@code records}: they move from {@code recent} to the cache
     * (in that order, so a reader always finds the record in one of them). A newer version applied
     * meanwhile stays in {@code recent}. Flusher thread.
     */
    void committed(List<PendingRecord> records) {
        for (PendingRecord p : records) {
            cache.offer(p.id(), p.record());
            recent.remove(p.id(), p.record());
        }
    }

    /** Points the in-memory lookups and the change order at the new current record of {@code id}. */
    private void index(String id, DocumentRecord.Header header) {
        DocumentRecord.Header old = indexLookups(id, header);
        if (old != null) {
            boolean removed = changeOrder.remove(old.etag().change());
            assert removed : "change " + old.etag().change() + " of '" + id + "' was not in the change order";
        }
        changeOrder.append(header.etag().change(), id);
    }

    /**
     * Puts {@code header} in {@code headers} and updates the document count and the collection
     * sets. A document that stays live in the same collection (an update) leaves its collection's
     * set alone.
     *
     * @return the header {@code header} replaced, or null
     */
    private DocumentRecord.Header indexLookups(String id, DocumentRecord.Header header) {
        DocumentRecord.Header old = headers.put(id, header);
        boolean wasLive = old != null && !old.tombstone();
        boolean isLive = !header.tombstone();
        String before = wasLive ? old.collection() : null;
        String after = isLive ? header.collection() : null;
        documentCount += (isLive ? 1 : 0) - (wasLive ? 1 : 0);
        if (!Objects.equals(before, after)) {
            if (before != null) {
                collections.get(before).remove(id);
            }
            if (after != null) {
                collections.computeIfAbsent(after, c -> new ConcurrentSkipListSet<>()).add(id);
            }
        }
        return old;
    }

    /**
     * Commits what MapDB has received, recording that the log up to {@code seq} is in it and that
     * the node's change counter reached {@code change}. The flusher's thread, or recovery before it.
     */
    void checkpoint(long seq, long change) {
        lastChangeVar.set(Math.max(lastChangeVar.get(), change));
        checkpointSeqVar.set(seq);
        db.commit();
    }

    /** {@link #checkpoint(long, long)} at open: everything replayed is in MapDB. */
    private void checkpoint(long seq) {
        checkpoint(seq, lastChange);
    }

    /** Hands everything staged to MapDB and commits it; then the flusher ends. Before {@link #close}. */
    void stopFlusher() {
        if (flusher != null) {
            flusher.stop();
        }
    }

    /** Why MapDB could not be written, or null. A failed index takes no more writes. */
    Throwable flusherFailure() {
        return flusher == null ? null : flusher.failure();
    }

    /** The current etag of a live document, or null when it is missing or deleted. Writer thread. */
    Etag currentEtag(String id) {
        DocumentRecord.Header header = headers.get(id);
        return header == null || header.tombstone() ? null : header.etag();
    }

    /**
     * The encoded current record of {@code id}: the one not yet in MapDB first. Under the read lock
     * only as the last resort of {@link #rawRecords}: a MapDB read may wait for a MapDB commit.
     */
    private byte[] raw(String id) {
        byte[] raw = recent.get(id);
        return raw != null ? raw : documents.get(id);
    }

    /**
     * Where the current record of an id is, as seen under the read lock: its bytes when they are in
     * memory, else the etag MapDB's copy must carry; neither when there is no record.
     */
    private record Located(byte[] inMemory, Etag inMapDb) {
        static final Located NONE = new Located(null, null);
    }

    /** Under the read lock. */
    private Located locate(String id) {
        byte[] raw = recent.get(id);
        if (raw != null) {
            return new Located(raw, null);
        }
        DocumentRecord.Header header = headers.get(id);
        if (header == null) {
            return Located.NONE;
        }
        byte[] cached = cache.get(id);
        return cached != null && DocumentRecord.hasEtag(cached, header.etag())
                ? new Located(cached, null) : new Located(null, header.etag());
    }

    /**
     * The current records of {@code ids} (null where there is none), all as of one point between
     * write groups.
     *
     * <p>MapDB is read outside the index lock, because a MapDB read waits while the flusher commits
     * (tens to hundreds of milliseconds under load), and a reader holding the read lock would hold
     * up the writer, and with it every write and replicated change. So the ids are located under
     * the lock, and the records only MapDB holds are read after it and checked against the etag
     * the lock saw: a record the flusher replaced meanwhile (the document changed since) makes the
     * whole read start over. After {@value #OPTIMISTIC_READS} such attempts, a read that keeps
     * losing the race reads under the lock.
     */
    private List<byte[]> rawRecords(Supplier<List<String>> idsUnderLock) {
        return rawRecords(idsUnderLock, Long.MAX_VALUE);
    }

    /**
     * {@link #rawRecords(Supplier)} that stops with {@link AnswerTooLargeException} once the records
     * read add up to more than {@code maxBytes}, so a read of many large documents that MapDB alone
     * holds never has more than that (and one record) in memory.
     */
    private List<byte[]> rawRecords(Supplier<List<String>> idsUnderLock, long maxBytes) {
        for (int attempt = 0; attempt < OPTIMISTIC_READS; attempt++) {
            List<String> ids = new ArrayList<>();
            List<Located> located = read(() -> {
                ids.addAll(idsUnderLock.get());
                List<Located> out = new ArrayList<>(ids.size());
                for (String id : ids) {
                    out.add(locate(id));
                }
                return out;
            });
            List<byte[]> out = new ArrayList<>(ids.size());
            long bytes = 0;
            for (int i = 0; i < ids.size(); i++) {
                Located at = located.get(i);
                byte[] raw = at.inMemory();
                if (at.inMapDb() != null) {
                    raw = documents.get(ids.get(i));
                    if (raw == null || !DocumentRecord.hasEtag(raw, at.inMapDb())) {
                        break;
                    }
                    cache.offer(ids.get(i), raw);
                }
                bytes += raw == null ? 0 : raw.length;
                if (bytes > maxBytes) {
                    throw new AnswerTooLargeException(bytes, maxBytes);
                }
                out.add(raw);
            }
            if (out.size() == ids.size()) {
                return out;
            }
        }
        return read(() -> {
            List<byte[]> out = new ArrayList<>();
            long bytes = 0;
            for (String id : idsUnderLock.get()) {
                byte[] raw = raw(id);
                bytes += raw == null ? 0 : raw.length;
                if (bytes > maxBytes) {
                    throw new AnswerTooLargeException(bytes, maxBytes);
                }
                out.add(raw);
            }
            return out;
        });
    }

    DocumentRecord record(String id) {
        return records(List.of(id)).get(0);
    }

    List<DocumentRecord> records(List<String> ids) {
        return records(ids, Long.MAX_VALUE);
    }

    /** @throws AnswerTooLargeException once the records read add up to more than {@code maxBytes} */
    List<DocumentRecord> records(List<String> ids, long maxBytes) {
        List<byte[]> raws = rawRecords(() -> ids, maxBytes);
        List<DocumentRecord> out = new ArrayList<>(raws.size());
        for (byte[] raw : raws) {
            out.add(raw == null ? null : DocumentRecord.decode(raw));
        }
        return out;
    }

    /** The last master etag applied from {@code source}, or null when none was. Any thread. */
    Etag sourceProgress(String source) {
        return sourceProgress.get(source);
    }

    /** How many entries of the change feed come after {@code change}: O(n), for stats only. */
    long countChangesAfter(long change) {
        return read(() -> changeOrder.countAfter(change));
    }

    long lastReservedId(String collection) {
        Long last = idSequences.get(collection);
        return last == null ? 0 : last;
    }

    List<Change> changesAfter(long change, int limit) {
        List<String> ids = new ArrayList<>();
        List<byte[]> raws = rawRecords(() -> {
            ids.clear();
            changeOrder.idsAfter(change, limit, ids);
            return ids;
        });
        List<Change> out = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            out.add(DocumentRecord.decode(raws.get(i)).toChange(ids.get(i)));
        }
        return out;
    }

    /**
     * Takes a {@link ContentScan} snapshot: every id with its record's change counter, the last
     * etag and the last master etag applied from {@code source}, all under the read lock, so at one
     * point between write groups. O(ids) copying of in-memory references; bodies are read later.
     */
    ContentScan contentScan(String source) {
        return read(() -> {
            List<ContentScan.Entry> entries = new ArrayList<>(changeOrder.count());
            changeOrder.forEach((change, id) -> entries.add(new ContentScan.Entry(id, change)));
            ChangeOrder.Entry last = changeOrder.last();
            Etag lastEtag = last == null ? null : headers.get(last.id()).etag();
            Etag applied = source == null ? null : sourceProgress.get(source);
            return new ContentScan(lastEtag, applied, entries.toArray(ContentScan.Entry[]::new), this::records);
        });
    }

    boolean isKnownCollection(String collection) {
        return knownCollections.contains(collection);
    }

    /** The live documents of a collection, in id order, read at one point in time. */
    List<StoredDocument> collection(String collection) {
        List<String> ids = new ArrayList<>();
        List<byte[]> raws = rawRecords(() -> {
            ids.clear();
            Set<String> members = collections.get(collection);
            if (members != null) {
                ids.addAll(members);
            }
            return ids;
        });
        List<StoredDocument> out = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            out.add(DocumentRecord.decode(raws.get(i)).toDocument(ids.get(i)));
        }
        return out;
    }

    private <T> T read(Supplier<T> reader) {
        lock.readLock().lock();
        try {
            return reader.get();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void close() {
        stopFlusher();
        db.close();
    }
}
