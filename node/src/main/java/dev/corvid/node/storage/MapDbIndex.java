package dev.corvid.node.storage;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.mapdb.Atomic;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;

/**
 * The index of storage. MapDB (one transactional file) holds what must survive: each document's
 * current record (live version or tombstone, with its etag), the id sequences, the collections ever
 * seen and the counters. The lookups that every write and every scan need — id to etag, etag order,
 * collection membership — live in memory and are rebuilt from the MapDB records when storage opens,
 * so a write costs one MapDB put instead of five B-tree updates.
 *
 * <p>Changes are applied here only after the write-ahead log made them durable;
 * {@link #checkpoint} commits MapDB so that the log before it can go.
 *
 * <p>Writes come from one thread (the storage writer, or recovery before it starts); reads from
 * any thread. A group of batches is applied under the write lock so readers never see part of a batch.
 */
final class MapDbIndex implements AutoCloseable {

    private final DB db;
    /** id -> {@link DocumentRecord} (live version or tombstone). */
    private final HTreeMap<String, byte[]> documents;
    /** every collection ever stored, also after its documents are deleted. */
    private final NavigableSet<String> knownCollections;
    /** collection -> last reserved id number. */
    private final Map<String, Long> idSequences;
    /** replication source (master node name) -> last master etag applied, 16 bytes. */
    private final Map<String, byte[]> sourceProgressRecords;
    private final Atomic.Integer nodeTagVar;
    private final Atomic.Integer restartsVar;
    private final Atomic.Long lastChangeVar;
    private final Atomic.Long checkpointSeqVar;

    /** id -> etag, tombstone flag and collection of its current record. */
    private final Map<String, DocumentRecord.Header> headers = new ConcurrentHashMap<>();
    /** change counter of the etag -> id; holds each id once, at its latest change. */
    private final ConcurrentSkipListMap<Long, String> byChange = new ConcurrentSkipListMap<>();
    /** collection -> ids of its live documents. */
    private final Map<String, Set<String>> collections = new ConcurrentHashMap<>();
    /** replication source -> last master etag applied; mirrors {@link #sourceProgressRecords}. */
    private final Map<String, Etag> sourceProgress = new ConcurrentHashMap<>();

    private final ReadWriteLock lock = new ReentrantReadWriteLock();

    // Mutated only by the writing thread; read under the lock.
    private long lastChange;
    private long documentCount;

    MapDbIndex(Path file) {
        this.db = DBMaker.fileDB(file.toFile())
                .transactionEnable()
                .fileMmapEnableIfSupported()
                .fileMmapPreclearDisable()
                .cleanerHackEnable()
                .make();
        this.documents = db.hashMap("documents", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
        this.knownCollections = db.treeSet("collections", Serializer.STRING).createOrOpen();
        this.idSequences = db.treeMap("id-sequences", Serializer.STRING, Serializer.LONG).createOrOpen();
        this.sourceProgressRecords = db.hashMap("source-progress", Serializer.STRING, Serializer.BYTE_ARRAY)
                .createOrOpen();
        this.nodeTagVar = db.atomicInteger("node-tag").createOrOpen();
        this.restartsVar = db.atomicInteger("restarts").createOrOpen();
        this.lastChangeVar = db.atomicLong("last-change").createOrOpen();
        this.checkpointSeqVar = db.atomicLong("checkpoint-seq").createOrOpen();
        this.lastChange = lastChangeVar.get();
        rebuildMemoryIndex();
    }

    private void rebuildMemoryIndex() {
        for (Map.Entry<String, byte[]> e : documents.getEntries()) {
            DocumentRecord.Header header = DocumentRecord.header(e.getValue());
            index(e.getKey(), header);
            lastChange = Math.max(lastChange, header.etag().change());
        }
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

    /** Applies the entries of committed batches, in order, invisible to readers until all are in. */
    void apply(List<List<LogEntry>> batches) {
        lock.writeLock().lock();
        try {
            for (List<LogEntry> batch : batches) {
                for (LogEntry entry : batch) {
                    apply(entry);
                }
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    private void apply(LogEntry entry) {
        if (entry instanceof LogEntry.Put put) {
            assert put.etag().change() > lastChange : put.etag().change() + " <= " + lastChange;
            DocumentRecord record = DocumentRecord.live(put.etag(), put.collection(), put.metadata(), put.body());
            documents.put(put.id(), record.encode());
            if (put.collection() != null && !knownCollections.contains(put.collection())) {
                knownCollections.add(put.collection());
            }
            index(put.id(), new DocumentRecord.Header(put.etag(), false, put.collection()));
            lastChange = put.etag().change();
        } else if (entry instanceof LogEntry.Delete delete) {
            assert delete.etag().change() > lastChange : delete.etag().change() + " <= " + lastChange;
            documents.put(delete.id(), DocumentRecord.tombstone(delete.etag()).encode());
            index(delete.id(), new DocumentRecord.Header(delete.etag(), true, null));
            lastChange = delete.etag().change();
        } else if (entry instanceof LogEntry.ReserveIds reserve) {
            idSequences.put(reserve.collection(), reserve.last());
        } else if (entry instanceof LogEntry.SourceProgress progress) {
            sourceProgressRecords.put(progress.source(), encodeEtag(progress.lastApplied()));
            sourceProgress.put(progress.source(), progress.lastApplied());
        }
    }

    /** Points the in-memory lookups at the new current record of {@code id}. */
    private void index(String id, DocumentRecord.Header header) {
        DocumentRecord.Header old = headers.put(id, header);
        if (old != null) {
            byChange.remove(old.etag().change());
            if (!old.tombstone()) {
                documentCount--;
                if (old.collection() != null) {
                    collections.get(old.collection()).remove(id);
                }
            }
        }
        byChange.put(header.etag().change(), id);
        if (!header.tombstone()) {
            documentCount++;
            if (header.collection() != null) {
                collections.computeIfAbsent(header.collection(), c -> new ConcurrentSkipListSet<>()).add(id);
            }
        }
    }

    /**
     * Commits everything applied so far, recording that the log up to {@code seq} is in it.
     * Called by the writing thread only.
     */
    void checkpoint(long seq) {
        lastChangeVar.set(lastChange);
        checkpointSeqVar.set(seq);
        db.commit();
    }

    /** The current etag of a live document, or null when it is missing or deleted. Writer thread. */
    Etag currentEtag(String id) {
        DocumentRecord.Header header = headers.get(id);
        return header == null || header.tombstone() ? null : header.etag();
    }

    DocumentRecord record(String id) {
        byte[] raw = read(() -> documents.get(id));
        return raw == null ? null : DocumentRecord.decode(raw);
    }

    List<DocumentRecord> records(List<String> ids) {
        return read(() -> {
            List<DocumentRecord> out = new ArrayList<>(ids.size());
            for (String id : ids) {
                byte[] raw = documents.get(id);
                out.add(raw == null ? null : DocumentRecord.decode(raw));
            }
            return out;
        });
    }

    /** The last master etag applied from {@code source}, or null when none was. Any thread. */
    Etag sourceProgress(String source) {
        return sourceProgress.get(source);
    }

    /** How many entries of the change feed come after {@code change}: O(n), for stats only. */
    long countChangesAfter(long change) {
        return read(() -> (long) byChange.tailMap(change, false).size());
    }

    long lastReservedId(String collection) {
        Long last = idSequences.get(collection);
        return last == null ? 0 : last;
    }

    List<Change> changesAfter(long change, int limit) {
        return read(() -> {
            List<Change> out = new ArrayList<>(Math.min(limit, 1024));
            Iterator<Map.Entry<Long, String>> it = byChange.tailMap(change, false).entrySet().iterator();
            while (out.size() < limit && it.hasNext()) {
                String id = it.next().getValue();
                out.add(DocumentRecord.decode(documents.get(id)).toChange(id));
            }
            return out;
        });
    }

    boolean isKnownCollection(String collection) {
        return knownCollections.contains(collection);
    }

    /** The live documents of a collection, in id order, read at one point in time. */
    List<StoredDocument> collection(String collection) {
        return read(() -> {
            Set<String> ids = collections.get(collection);
            if (ids == null) {
                return List.of();
            }
            List<StoredDocument> out = new ArrayList<>(ids.size());
            for (String id : ids) {
                out.add(DocumentRecord.decode(documents.get(id)).toDocument(id));
            }
            return out;
        });
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
        db.close();
    }
}
