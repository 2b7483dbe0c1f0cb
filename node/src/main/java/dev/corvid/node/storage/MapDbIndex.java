package dev.corvid.node.storage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.mapdb.Atomic;
import org.mapdb.BTreeMap;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/**
 * The MapDB side of storage: documents by id, the etag index, collection membership, id sequences
 * and counters, in one transactional file. Changes are applied here only after the write-ahead log
 * made them durable; {@link #checkpoint} commits them so that the log before it can go.
 *
 * <p>Writes come from one thread (the storage writer, or recovery before it starts); reads from
 * any thread. A group of batches is applied under the write lock so readers never see part of a batch.
 */
final class MapDbIndex implements AutoCloseable {

    private static final char COLLECTION_SEPARATOR = '\u0000';

    private final DB db;
    /** id -> {@link DocumentRecord} (live version or tombstone). */
    private final BTreeMap<String, byte[]> documents;
    /** change counter of the etag -> id; holds each id once, at its latest change. */
    private final BTreeMap<Long, String> byEtag;
    /** "collection \0 id" for every live document with a collection. */
    private final NavigableSet<String> collectionMembers;
    /** every collection ever stored. */
    private final NavigableSet<String> knownCollections;
    /** collection -> last reserved id number. */
    private final BTreeMap<String, Long> idSequences;
    private final Atomic.Integer nodeTagVar;
    private final Atomic.Integer restartsVar;
    private final Atomic.Long lastChangeVar;
    private final Atomic.Long documentCountVar;
    private final Atomic.Long checkpointSeqVar;

    private final ReadWriteLock lock = new ReentrantReadWriteLock();

    // Guarded by the single-writer rule: mutated only by the writing thread, read under the lock.
    private long lastChange;
    private long documentCount;

    MapDbIndex(Path file) {
        this.db = DBMaker.fileDB(file.toFile())
                .transactionEnable()
                .fileMmapEnableIfSupported()
                .fileMmapPreclearDisable()
                .cleanerHackEnable()
                .make();
        this.documents = db.treeMap("documents", Serializer.STRING, Serializer.BYTE_ARRAY)
                .valuesOutsideNodesEnable().createOrOpen();
        this.byEtag = db.treeMap("by-etag", Serializer.LONG, Serializer.STRING).createOrOpen();
        this.collectionMembers = db.treeSet("collection-members", Serializer.STRING).createOrOpen();
        this.knownCollections = db.treeSet("collections", Serializer.STRING).createOrOpen();
        this.idSequences = db.treeMap("id-sequences", Serializer.STRING, Serializer.LONG).createOrOpen();
        this.nodeTagVar = db.atomicInteger("node-tag").createOrOpen();
        this.restartsVar = db.atomicInteger("restarts").createOrOpen();
        this.lastChangeVar = db.atomicLong("last-change").createOrOpen();
        this.documentCountVar = db.atomicLong("document-count").createOrOpen();
        this.checkpointSeqVar = db.atomicLong("checkpoint-seq").createOrOpen();
        this.lastChange = lastChangeVar.get();
        this.documentCount = documentCountVar.get();
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
            unlink(put.id());
            documents.put(put.id(), DocumentRecord.live(put.etag(), put.collection(), put.metadata(), put.body()).encode());
            link(put.id(), put.etag());
            if (put.collection() != null) {
                collectionMembers.add(put.collection() + COLLECTION_SEPARATOR + put.id());
                knownCollections.add(put.collection());
            }
            documentCount++;
        } else if (entry instanceof LogEntry.Delete delete) {
            unlink(delete.id());
            documents.put(delete.id(), DocumentRecord.tombstone(delete.etag()).encode());
            link(delete.id(), delete.etag());
        } else if (entry instanceof LogEntry.ReserveIds reserve) {
            idSequences.put(reserve.collection(), reserve.last());
        }
    }

    /** Removes the current version of {@code id} from the etag and collection indexes. */
    private void unlink(String id) {
        byte[] old = documents.get(id);
        if (old == null) {
            return;
        }
        DocumentRecord record = DocumentRecord.decode(old);
        byEtag.remove(record.etag().change());
        if (!record.tombstone()) {
            documentCount--;
            if (record.collection() != null) {
                collectionMembers.remove(record.collection() + COLLECTION_SEPARATOR + id);
            }
        }
    }

    private void link(String id, Etag etag) {
        assert etag.change() > lastChange : etag.change() + " <= " + lastChange;
        byEtag.put(etag.change(), id);
        lastChange = etag.change();
    }

    /**
     * Commits everything applied so far, recording that the log up to {@code seq} is in it.
     * Called by the writing thread only.
     */
    void checkpoint(long seq) {
        lastChangeVar.set(lastChange);
        documentCountVar.set(documentCount);
        checkpointSeqVar.set(seq);
        db.commit();
    }

    /** The raw record of {@code id} (live or tombstone), or null. */
    byte[] raw(String id) {
        return documents.get(id);
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

    long lastReservedId(String collection) {
        Long last = idSequences.get(collection);
        return last == null ? 0 : last;
    }

    List<Change> changesAfter(long change, int limit) {
        return read(() -> {
            List<Change> out = new ArrayList<>(Math.min(limit, 1024));
            Iterator<Map.Entry<Long, String>> it = byEtag.tailMap(change, false).entrySet().iterator();
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
            List<StoredDocument> out = new ArrayList<>();
            String from = collection + COLLECTION_SEPARATOR;
            for (String member : collectionMembers.subSet(from, true, collection + '\u0001', false)) {
                String id = member.substring(from.length());
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
