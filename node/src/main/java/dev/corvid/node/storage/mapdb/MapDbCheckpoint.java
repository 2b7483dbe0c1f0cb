package dev.corvid.node.storage.mapdb;

import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.StorageOpenException;
import dev.corvid.node.storage.index.DocumentIndex;
import dev.corvid.node.storage.index.DocumentRecord;
import dev.corvid.node.storage.index.IndexStore;
import dev.corvid.node.storage.index.IndexWrite;
import dev.corvid.node.storage.wal.LogRecovery;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.mapdb.Atomic;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.HTreeMap;
import org.mapdb.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The index's checkpoint: one transactional MapDB file ({@code index.db}) holding what must
 * survive a restart: each document's current record (live version or tombstone, with its etag),
 * the change order (change counter to id, a B-tree), the members of each collection (a B-tree of
 * collection and id), the counts of documents, tombstones and collection members, the id
 * sequences, the collections ever seen, the replication progress and the counters. A commit
 * records the log sequence number it covers, so the log before it can be recycled and a restart
 * replays only what comes after; nothing else is read at a start.
 *
 * <p>Only the {@link MapDbFlusher} writes and commits it (or recovery before the flusher starts);
 * any thread reads records from it as the {@link IndexStore} of the index.
 */
public final class MapDbCheckpoint implements IndexStore, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MapDbCheckpoint.class);
    /**
     * The layout of the file: 1 held the records without the change order, members and counts,
     * 2 the members of collections without the groups of the tombstones and of the live documents
     * without a collection. What a file lacks is built from the records on its first open by a
     * build that knows 3, and again after a build that does not know it committed: such a build
     * does not set {@code index-order-seq} (before 2) or {@code index-groups-seq} (before 3).
     */
    private static final int FORMAT = 3;
    /** Between a collection's name and an id in {@link #members}: ids and names hold no control characters. */
    private static final char MEMBER_SEPARATOR = '\u0000';
    /** Entries per node of the change order and members B-trees. */
    private static final int CHANGE_NODE_SIZE = 16;

    private final Path file;
    private final DB db;
    /** id -> encoded record (live version or tombstone). */
    private final HTreeMap<String, byte[]> documents;
    /** change counter -> id, for each id's current record. */
    private final NavigableMap<Long, String> changes;
    /**
     * group, {@link #MEMBER_SEPARATOR}, id: for each id, in its {@link DocumentRecord.Header#group}
     * (its collection, or the tombstones, or the live documents without a collection).
     */
    private final NavigableSet<String> members;
    /** collection -> how many live documents it has. */
    private final Map<String, Long> collectionSizes;
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
    private final Atomic.Long documentCountVar;
    private final Atomic.Long tombstoneCountVar;
    private final Atomic.Integer formatVar;
    /** The log sequence number the change order, members and counts were last committed with. */
    private final Atomic.Long orderSeqVar;
    /** The log sequence number a build that keeps the groups apart from collections last committed with. */
    private final Atomic.Long groupsSeqVar;
    // Written by the flusher between commits, stored at each commit.
    private long documentCount;
    private long tombstoneCount;
    private final Map<String, Long> sizeChanges = new HashMap<>();

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
        // Nodes of 16 and keys packed against their neighbours: a change, a member joining or leaving
        // rewrites one node, and took 3.8 and 6.0 us here, against 6.3 and 11.6 with nodes of 32 and
        // whole keys (100,000 puts, a commit every 10,000). Deltas keep String order.
        this.changes = db.treeMap("changes", Serializer.LONG_DELTA, Serializer.STRING).maxNodeSize(CHANGE_NODE_SIZE)
                .createOrOpen();
        this.members = db.treeSet("members", Serializer.STRING_DELTA).maxNodeSize(CHANGE_NODE_SIZE).createOrOpen();
        this.collectionSizes = db.treeMap("collection-sizes", Serializer.STRING, Serializer.LONG).createOrOpen();
        this.documentCountVar = db.atomicLong("document-count").createOrOpen();
        this.tombstoneCountVar = db.atomicLong("tombstone-count").createOrOpen();
        this.formatVar = db.atomicInteger("index-format").createOrOpen();
        this.orderSeqVar = db.atomicLong("index-order-seq").createOrOpen();
        this.groupsSeqVar = db.atomicLong("index-groups-seq").createOrOpen();
        // A build before the change order commits the records and the sequence number, not the
        // order: whatever it committed last, the order is built again from the records. One before
        // the groups apart from collections keeps the order and the collections, not those groups.
        long seq = checkpointSeqVar.get();
        if (formatVar.get() < 2 || orderSeqVar.get() != seq) {
            buildOrder();
        } else if (formatVar.get() < FORMAT || groupsSeqVar.get() != seq) {
            buildGroups();
        }
        this.documentCount = documentCountVar.get();
        this.tombstoneCount = tombstoneCountVar.get();
    }

    /**
     * Builds the change order, the members and the counts from the records, once, for a file a
     * build before them wrote (or a new one), and commits them with the format they complete.
     */
    private void buildOrder() {
        long started = System.nanoTime();
        changes.clear();
        members.clear();
        collectionSizes.clear();
        long live = 0;
        long tombstones = 0;
        Map<String, Long> sizes = new HashMap<>();
        for (Map.Entry<String, byte[]> e : documents.getEntries()) {
            DocumentRecord.Header header = DocumentRecord.header(e.getValue());
            changes.put(header.change(), e.getKey());
            members.add(memberKey(header.group(), e.getKey()));
            if (header.tombstone()) {
                tombstones++;
            } else {
                live++;
                if (header.collection() != null) {
                    sizes.merge(header.collection(), 1L, Long::sum);
                }
            }
        }
        collectionSizes.putAll(sizes);
        documentCountVar.set(live);
        tombstoneCountVar.set(tombstones);
        formatVar.set(FORMAT);
        orderSeqVar.set(checkpointSeqVar.get());
        groupsSeqVar.set(checkpointSeqVar.get());
        db.commit();
        if (live + tombstones > 0) {
            log.info("built the change order and collection members of {} records in {} ({} ms)",
                    live + tombstones, file, (System.nanoTime() - started) / 1_000_000);
        }
    }

    /**
     * Builds the members of the groups that are not collections (tombstones, documents without a
     * collection) from the records, for a file whose change order and collections are kept but
     * not those groups: a build of format 2 wrote it last.
     */
    private void buildGroups() {
        long started = System.nanoTime();
        // Group names start with U+0001 and collection names hold no control character.
        members.subSet("\u0001", true, "\u0002", false).clear();
        long added = 0;
        for (Map.Entry<String, byte[]> e : documents.getEntries()) {
            String group = DocumentRecord.header(e.getValue()).group();
            if (!DocumentRecord.Header.isCollection(group)) {
                members.add(memberKey(group, e.getKey()));
                added++;
            }
        }
        formatVar.set(FORMAT);
        groupsSeqVar.set(checkpointSeqVar.get());
        db.commit();
        log.info("listed the {} tombstones and documents without a collection of {} ({} ms)", added, file,
                (System.nanoTime() - started) / 1_000_000);
    }

    private static String memberKey(String collection, String id) {
        return collection + MEMBER_SEPARATOR + id;
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
     * Opens the index on this checkpoint.
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
    public Iterator<Map.Entry<Long, String>> changesAfter(long change) {
        return changes.tailMap(change, false).entrySet().iterator();
    }

    @Override
    public Iterator<String> members(String collection, String fromId, boolean inclusive) {
        String prefix = collection + MEMBER_SEPARATOR;
        String end = collection + (char) (MEMBER_SEPARATOR + 1);
        Iterator<String> keys = fromId == null ? members.subSet(prefix, true, end, false).iterator()
                : members.subSet(prefix + fromId, inclusive, end, false).iterator();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return keys.hasNext();
            }

            @Override
            public String next() {
                return keys.next().substring(prefix.length());
            }
        };
    }

    @Override
    public long documentCount() {
        return documentCountVar.get();
    }

    @Override
    public long tombstoneCount() {
        return tombstoneCountVar.get();
    }

    @Override
    public Map<String, Long> collectionSizes() {
        return Collections.unmodifiableMap(collectionSizes);
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

    /**
     * Writes a document's record, uncommitted, and moves it in the change order, the members and
     * the counts: from {@code document.previous()}, which must be the record the checkpoint holds
     * (its collection: see {@link DirtyWrites}).
     */
    void write(IndexWrite.Document document) {
        String id = document.id();
        DocumentRecord.Header previous = document.previous();
        DocumentRecord.Header header = document.header();
        String group = header.group();
        boolean moves = previous == null || !previous.group().equals(group);
        if (previous != null) {
            changes.remove(previous.change());
            if (previous.tombstone()) {
                tombstoneCount--;
            } else {
                documentCount--;
            }
            if (moves) {
                members.remove(memberKey(previous.group(), id));
                if (!previous.tombstone() && previous.collection() != null) {
                    sizeChanges.merge(previous.collection(), -1L, Long::sum);
                }
            }
        }
        changes.put(header.change(), id);
        if (header.tombstone()) {
            tombstoneCount++;
        } else {
            documentCount++;
        }
        if (moves) {
            members.add(memberKey(group, id));
            if (!header.tombstone() && header.collection() != null) {
                sizeChanges.merge(header.collection(), 1L, Long::sum);
            }
        }
        documents.put(id, document.record());
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
        sizeChanges.forEach((collection, delta) -> {
            if (delta != 0) {
                collectionSizes.merge(collection, delta, Long::sum);
            }
        });
        sizeChanges.clear();
        documentCountVar.set(documentCount);
        tombstoneCountVar.set(tombstoneCount);
        lastChangeVar.set(Math.max(lastChangeVar.get(), change));
        checkpointSeqVar.set(seq);
        orderSeqVar.set(seq);
        groupsSeqVar.set(seq);
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
