package dev.corvid.node.storage.mapdb;

import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.StorageOpenException;
import dev.corvid.node.storage.index.DocumentIndex;
import dev.corvid.node.storage.index.IndexStore;
import dev.corvid.node.storage.index.IndexWrite;
import dev.corvid.node.storage.wal.LogRecovery;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;
import org.mapdb.Atomic;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;

/**
 * The index's checkpoint: one transactional MapDB file ({@code index.db}) holding what must
 * survive a restart: each document's current record (live version or tombstone, with its etag),
 * the id sequences, the collections ever seen, the replication progress and the counters. A
 * commit records the log sequence number it covers, so the log before it can be recycled and a
 * restart replays only what comes after.
 *
 * <p>Only the {@link MapDbFlusher} writes and commits it (or recovery before the flusher starts);
 * any thread reads records from it as the {@link IndexStore} of the index.
 */
public final class MapDbCheckpoint implements IndexStore, AutoCloseable {

    private final Path file;
    private final DB db;
    /** id -> encoded record (live version or tombstone). */
    private final HTreeMap<String, byte[]> documents;
    /** every collection ever stored, also after its documents are deleted. */
    private final NavigableSet<String> collections;
    /** collection -> last reserved id number. */
    private final Map<String, Long> idSequences;
    /** replication source (master node name) -> last master etag applied, 16 bytes. */
    private final Map<String, byte[]> sourceProgress;
    private final Atomic.Integer nodeTagVar;
    private final Atomic.Integer restartsVar;
    private final Atomic.Long lastChangeVar;
    private final Atomic.Long checkpointSeqVar;

    private MapDbCheckpoint(Path file) {
        this.file = file;
        this.db = DBMaker.fileDB(file.toFile())
                .transactionEnable()
                .fileMmapEnableIfSupported()
                .fileMmapPreclearDisable()
                .cleanerHackEnable()
                .make();
        this.documents = db.hashMap("documents", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
        this.collections = db.treeSet("collections", Serializer.STRING).createOrOpen();
        this.idSequences = db.treeMap("id-sequences", Serializer.STRING, Serializer.LONG).createOrOpen();
        this.sourceProgress = db.hashMap("source-progress", Serializer.STRING, Serializer.BYTE_ARRAY).createOrOpen();
        this.nodeTagVar = db.atomicInteger("node-tag").createOrOpen();
        this.restartsVar = db.atomicInteger("restarts").createOrOpen();
        this.lastChangeVar = db.atomicLong("last-change").createOrOpen();
        this.checkpointSeqVar = db.atomicLong("checkpoint-seq").createOrOpen();
    }

    /**
     * Opens (or creates) the checkpoint file, turning whatever MapDB throws into an error that names
     * the file and the cause: its own exceptions often carry no message.
     *
     * @throws StorageOpenException when the file cannot be opened: locked by another process, or damaged
     */
    public static MapDbCheckpoint open(Path file) {
        try {
            return new MapDbCheckpoint(file);
        } catch (RuntimeException | AssertionError e) {
            throw cannotOpen(file, e);
        }
    }

    /**
     * Rebuilds the in-memory index from this checkpoint.
     *
     * @throws StorageOpenException when MapDB fails reading it, as {@link #open} does
     */
    public DocumentIndex loadIndex(long cacheBytes) {
        try {
            return new DocumentIndex(this, cacheBytes);
        } catch (RuntimeException | AssertionError e) {
            throw cannotOpen(file, e);
        }
    }

    private static StorageOpenException cannotOpen(Path file, Throwable e) {
        String cause = e.getClass().getName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
        String advice = cause.contains("ocked") ? "Another process may hold it: is the node already running?"
                : "The index is the node's checkpoint and cannot be rebuilt from the log alone. " + LogRecovery.ADVICE;
        return new StorageOpenException(file, "cannot open the index " + file + " (" + cause + "). " + advice, e);
    }

    /** The node tag of this data directory, chosen at random (24 bits, never 0) when it is created. */
    public int nodeTag() {
        int tag = nodeTagVar.get();
        if (tag == 0) {
            tag = ThreadLocalRandom.current().nextInt(1, 1 << 24);
            nodeTagVar.set(tag);
        }
        return tag;
    }

    /** Counts this start and returns its number; committed by the next {@link #commit}. */
    public int nextRestart() {
        return restartsVar.incrementAndGet();
    }

    /** The log sequence number the last commit covers (0 before the first). */
    public long checkpointSeq() {
        return checkpointSeqVar.get();
    }

    @Override
    public byte[] record(String id) {
        return documents.get(id);
    }

    @Override
    public void forEachRecord(BiConsumer<String, byte[]> visitor) {
        for (Map.Entry<String, byte[]> e : documents.getEntries()) {
            visitor.accept(e.getKey(), e.getValue());
        }
    }

    @Override
    public Set<String> collections() {
        return Collections.unmodifiableSet(collections);
    }

    @Override
    public Map<String, Long> idSequences() {
        return Collections.unmodifiableMap(idSequences);
    }

    @Override
    public Map<String, Etag> sourceProgress() {
        Map<String, Etag> out = new HashMap<>();
        sourceProgress.forEach((source, etag) -> out.put(source, decodeEtag(etag)));
        return out;
    }

    @Override
    public long lastChange() {
        return lastChangeVar.get();
    }

    /** Records {@code collection} among the collections ever stored, uncommitted. */
    void addCollection(String collection) {
        if (!collections.contains(collection)) {
            collections.add(collection);
        }
    }

    /** Writes a document's record, uncommitted (its collection: see {@link DirtyWrites}). */
    void write(IndexWrite.Document document) {
        documents.put(document.id(), document.record());
    }

    /** Writes a collection's id sequence, uncommitted. */
    void writeIdSequence(String collection, long last) {
        idSequences.put(collection, last);
    }

    /** Writes the last master etag applied from a replication source, uncommitted. */
    void writeSourceProgress(String source, Etag lastApplied) {
        sourceProgress.put(source, encodeEtag(lastApplied));
    }

    /**
     * Commits what was written, recording that the log up to {@code seq} is in it and that the
     * node's change counter reached {@code change}.
     */
    void commit(long seq, long change) {
        lastChangeVar.set(Math.max(lastChangeVar.get(), change));
        checkpointSeqVar.set(seq);
        db.commit();
    }

    @Override
    public void close() {
        db.close();
    }

    private static byte[] encodeEtag(Etag etag) {
        return ByteBuffer.allocate(16).putLong(etag.high()).putLong(etag.change()).array();
    }

    private static Etag decodeEtag(byte[] bytes) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        return Etag.fromLongs(buf.getLong(), buf.getLong());
    }
}
