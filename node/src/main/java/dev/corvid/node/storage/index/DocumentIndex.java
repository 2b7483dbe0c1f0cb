package dev.corvid.node.storage.index;

import dev.corvid.node.storage.AnswerTooLargeException;
import dev.corvid.node.storage.Change;
import dev.corvid.node.storage.ContentScan;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.StoredDocument;
import dev.corvid.node.storage.wal.LogEntry;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.function.Consumer;

/**
 * The in-memory index of storage, authoritative for everything a write or a read decides on: id
 * to etag, etag order (the change feed), collection membership, id sequences, replication
 * progress, and the records applied since the last checkpoint ({@link RecordLayers}). Rebuilt from
 * the {@link IndexStore} (the checkpoint) on open and from the log records replayed after it. A
 * {@link RecordCache} keeps checkpointed records in memory, so reads seldom wait for the store.
 *
 * <p>Contract: only the storage writer thread (or recovery before it) changes the index, by
 * {@link #show}ing log records in log order, and only after they are in the log; it applies a
 * group of them under the write lock, so readers never see part of a batch. What {@link #show}
 * returns is what the checkpoint must receive, once the log records are durable: the index itself
 * never writes the store. Readers on any thread see the index as of one point between write
 * groups. Changes reach readers after their log sync, except a replica's replicated changes
 * (see {@code GroupCommitWriter}).
 */
public final class DocumentIndex {

    /** One log record: its sequence number and the entries it holds. */
    public record Committed(long seq, List<LogEntry> entries) {
    }

    /** A log record made visible: its sequence number and what the checkpoint must receive for it. */
    public record Shown(long seq, List<IndexWrite> writes) {
    }

    /** id -> etag, tombstone flag and collection of its current record. */
    private final Map<String, DocumentRecord.Header> headers = new ConcurrentHashMap<>();
    /** Each id once, at the change counter of its current record. Guarded by {@link #lock}. */
    private final ChangeOrder changeOrder;
    /** collection -> ids of its live documents, in id order. */
    private final Map<String, NavigableSet<String>> collections = new ConcurrentHashMap<>();
    /** collection -> how many ids {@link #collections} holds for it (a skip list counts in O(n)). Guarded by {@link #lock}. */
    private final Map<String, Long> collectionSizes = new ConcurrentHashMap<>();
    /**
     * Every collection a document was ever stored in, each name mapped to itself: the one instance
     * every header of that collection refers to.
     */
    private final Map<String, String> knownCollections = new ConcurrentHashMap<>();
    private final Map<String, Long> idSequences = new ConcurrentHashMap<>();
    private final Map<String, Etag> sourceProgress = new ConcurrentHashMap<>();
    private final IndexLock lock = new IndexLock();
    /** The records themselves: where they are, and how a read gets them at one point in time. */
    private final RecordLayers records;

    // Mutated only by the writing thread (or recovery before it); read under the lock.
    private long lastChange;
    private long documentCount;
    private long tombstoneCount;

    /**
     * Rebuilds the index from what {@code store} holds.
     *
     * @param cacheBytes how much memory the {@link RecordCache} of checkpointed records may use
     */
    public DocumentIndex(IndexStore store, long cacheBytes) {
        this.records = new RecordLayers(store, cacheBytes, lock, headers);
        this.lastChange = store.lastChange();
        List<ChangeOrder.Entry> order = new ArrayList<>();
        // Each collection's members, gathered, then put in its set in id order: the store hands
        // records out in hash order, and a skip list filled at random spends most of a start there.
        Map<String, List<String>> members = new java.util.HashMap<>();
        store.forEachRecord((id, record) -> {
            DocumentRecord.Header read = DocumentRecord.header(record);
            DocumentRecord.Header header = new DocumentRecord.Header(read.etagHigh(), read.change(), read.tombstone(),
                    collectionName(read.collection()));
            headers.put(id, header);
            if (header.tombstone()) {
                tombstoneCount++;
            } else {
                documentCount++;
                if (header.collection() != null) {
                    members.computeIfAbsent(header.collection(), c -> new ArrayList<>()).add(id);
                }
            }
            order.add(new ChangeOrder.Entry(header.change(), id));
            lastChange = Math.max(lastChange, header.change());
        });
        members.forEach((collection, ids) -> {
            ids.sort(null);
            NavigableSet<String> set = new ConcurrentSkipListSet<>();
            set.addAll(ids);
            collections.put(collection, set);
            collectionSizes.put(collection, (long) ids.size());
        });
        this.changeOrder = ChangeOrder.of(order);
        store.collections().forEach(this::collectionName);
        idSequences.putAll(store.idSequences());
        sourceProgress.putAll(store.sourceProgress());
    }

    /** The change counter of the last change applied (or checkpointed). */
    public long lastChange() {
        return lastChange;
    }

    /** Live (not deleted) documents. */
    public long documentCount() {
        return lock.read(() -> documentCount);
    }

    /** Tombstones: deleted documents whose delete the node keeps (it replicates and orders it). */
    public long tombstoneCount() {
        return lock.read(() -> tombstoneCount);
    }

    /**
     * Replays one log record on open, before the writer runs, handing what the checkpoint must
     * receive to {@code checkpoint}.
     */
    public void replay(List<LogEntry> entries, Consumer<IndexWrite> checkpoint) {
        for (LogEntry entry : entries) {
            checkpoint.accept(applyToMemory(entry));
        }
    }

    /**
     * Makes the entries of log records visible to readers, all at once. Their {@link IndexWrite}s
     * must reach the checkpoint only once the log records are durable, since a checkpoint must
     * never cover a record the log may still lose. Writer thread.
     *
     * @return what the checkpoint must receive, in the same order
     */
    public List<Shown> show(List<Committed> batches) {
        List<Shown> shown = new ArrayList<>(batches.size());
        lock.writeLock().lock();
        try {
            for (Committed batch : batches) {
                List<IndexWrite> writes = new ArrayList<>(batch.entries().size());
                for (LogEntry entry : batch.entries()) {
                    writes.add(applyToMemory(entry));
                }
                shown.add(new Shown(batch.seq(), writes));
            }
        } finally {
            lock.writeLock().unlock();
        }
        return shown;
    }

    /**
     * Updates the in-memory layer for one entry and returns what the checkpoint must receive: for a
     * put or delete the encoded record, also kept in memory until the checkpoint holds it.
     */
    private IndexWrite applyToMemory(LogEntry entry) {
        if (entry instanceof LogEntry.Put put) {
            assert put.etag().change() > lastChange : put.etag().change() + " <= " + lastChange;
            byte[] record = DocumentRecord.live(put.etag(), put.collection(), put.metadata(), put.body()).encode();
            index(put.id(), new DocumentRecord.Header(put.etag(), false, collectionName(put.collection())));
            lastChange = put.etag().change();
            return remember(put.id(), record, put.collection());
        } else if (entry instanceof LogEntry.Delete delete) {
            assert delete.etag().change() > lastChange : delete.etag().change() + " <= " + lastChange;
            byte[] record = DocumentRecord.tombstone(delete.etag(), delete.metadata()).encode();
            index(delete.id(), new DocumentRecord.Header(delete.etag(), true, null));
            lastChange = delete.etag().change();
            return remember(delete.id(), record, null);
        } else if (entry instanceof LogEntry.ReserveIds reserve) {
            idSequences.put(reserve.collection(), reserve.last());
            return new IndexWrite.IdSequence(reserve.collection(), reserve.last());
        }
        LogEntry.SourceProgress progress = (LogEntry.SourceProgress) entry;
        sourceProgress.put(progress.source(), progress.lastApplied());
        return new IndexWrite.SourceProgress(progress.source(), progress.lastApplied());
    }

    private IndexWrite.Document remember(String id, byte[] record, String collection) {
        records.applied(id, record);
        return new IndexWrite.Document(id, record, collection, lastChange);
    }

    /** After a checkpoint that holds {@code written}; see {@link RecordLayers#checkpointed}. The checkpoint's thread. */
    public void checkpointed(List<IndexWrite.Document> written) {
        records.checkpointed(written);
    }

    /** After the checkpoint that ends recovery holds {@code written}, before any reader runs. */
    public void recovered(List<IndexWrite.Document> written) {
        records.recovered(written);
    }

    /** The one instance of {@code name} the index keeps (and knows as a collection ever stored); null for null. */
    private String collectionName(String name) {
        return name == null ? null : knownCollections.computeIfAbsent(name, n -> n);
    }

    /** Points the in-memory lookups and the change order at the new current record of {@code id}. */
    private void index(String id, DocumentRecord.Header header) {
        DocumentRecord.Header old = indexLookups(id, header);
        if (old != null) {
            boolean removed = changeOrder.remove(old.change());
            assert removed : "change " + old.change() + " of '" + id + "' was not in the change order";
        }
        changeOrder.append(header.change(), id);
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
        tombstoneCount += (isLive ? 0 : 1) - (old != null && old.tombstone() ? 1 : 0);
        if (!Objects.equals(before, after)) {
            if (before != null) {
                collections.get(before).remove(id);
                collectionSizes.merge(before, -1L, Long::sum);
            }
            if (after != null) {
                collections.computeIfAbsent(after, c -> new ConcurrentSkipListSet<>()).add(id);
                collectionSizes.merge(after, 1L, Long::sum);
            }
        }
        return old;
    }

    /** The current etag of a live document, or null when it is missing or deleted. Writer thread. */
    public Etag currentEtag(String id) {
        DocumentRecord.Header header = headers.get(id);
        return header == null || header.tombstone() ? null : header.etag();
    }

    /** The current record of a document, its tombstone included; null when it never existed. Any thread. */
    public DocumentRecord record(String id) {
        return records(List.of(id)).get(0);
    }

    /** The current version of a document, or empty when it does not exist or is deleted. Any thread. */
    public Optional<StoredDocument> document(String id) {
        DocumentRecord record = records(List.of(id)).get(0);
        return record == null || record.tombstone() ? Optional.empty() : Optional.of(record.toDocument(id));
    }

    /**
     * The current versions of {@code ids}, in that order, all as of one point between write groups.
     * Any thread.
     *
     * @throws AnswerTooLargeException once the records read add up to more than {@code maxBytes}
     */
    public List<Optional<StoredDocument>> documents(List<String> ids, long maxBytes) {
        List<DocumentRecord> records = records(ids, maxBytes);
        List<Optional<StoredDocument>> out = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            DocumentRecord r = records.get(i);
            out.add(r == null || r.tombstone() ? Optional.empty() : Optional.of(r.toDocument(ids.get(i))));
        }
        return out;
    }

    private List<DocumentRecord> records(List<String> ids) {
        return records(ids, Long.MAX_VALUE);
    }

    private List<DocumentRecord> records(List<String> ids, long maxBytes) {
        List<byte[]> raws = records.read(() -> ids, maxBytes);
        List<DocumentRecord> out = new ArrayList<>(raws.size());
        for (byte[] raw : raws) {
            out.add(raw == null ? null : DocumentRecord.decode(raw));
        }
        return out;
    }

    /** The last master etag applied from {@code source}, or null when none was. Any thread. */
    public Etag sourceProgress(String source) {
        return sourceProgress.get(source);
    }

    /** How many entries of the change feed come after {@code change}: O(n), for stats only. */
    public long countChangesAfter(long change) {
        return lock.read(() -> changeOrder.countAfter(change));
    }

    /** The last id of the collection's sequence reserved, 0 when none was. Writer thread. */
    public long lastReservedId(String collection) {
        Long last = idSequences.get(collection);
        return last == null ? 0 : last;
    }

    /** Up to {@code limit} entries of the change feed after the change counter {@code change}, in order. */
    public List<Change> changesAfter(long change, int limit) {
        List<String> ids = new ArrayList<>();
        List<byte[]> raws = records.read(() -> {
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
    public ContentScan contentScan(String source) {
        return lock.read(() -> {
            List<ContentScan.Entry> entries = new ArrayList<>(changeOrder.count());
            changeOrder.forEach((change, id) -> entries.add(new ContentScan.Entry(id, change)));
            ChangeOrder.Entry last = changeOrder.last();
            Etag lastEtag = last == null ? null : headers.get(last.id()).etag();
            Etag applied = source == null ? null : sourceProgress.get(source);
            return new ContentScan(lastEtag, applied, entries.toArray(ContentScan.Entry[]::new), this::records);
        });
    }

    /** Every collection a document was ever stored in here, in name order. */
    public List<String> knownCollections() {
        return knownCollections.keySet().stream().sorted().toList();
    }

    /** Whether a document of {@code collection} was ever stored here. */
    public boolean isKnownCollection(String collection) {
        return knownCollections.containsKey(collection);
    }

    /** A page of a collection and how many live documents it has, read at one point in time. */
    public record Slice(List<StoredDocument> documents, long total) {
    }

    /**
     * The live documents of {@code collection} from the {@code skip}th on, at most {@code take}, in
     * id order, with the collection's size, all at one point between write groups. Reads only the
     * page's records; passes over {@code skip} ids in memory. Any thread.
     */
    public Slice collectionSlice(String collection, int skip, int take) {
        List<String> ids = new ArrayList<>();
        long[] total = new long[1];
        List<byte[]> raws = records.read(() -> {
            ids.clear();
            NavigableSet<String> members = collections.get(collection);
            total[0] = members == null ? 0 : collectionSizes.getOrDefault(collection, 0L);
            if (members != null) {
                Iterator<String> it = members.iterator();
                for (int i = 0; i < skip && it.hasNext(); i++) {
                    it.next();
                }
                while (ids.size() < take && it.hasNext()) {
                    ids.add(it.next());
                }
            }
            return ids;
        });
        return new Slice(documents(ids, raws), total[0]);
    }

    /**
     * Up to {@code limit} live documents of {@code collection} with ids after {@code afterId}
     * (null: from the first), in id order, read at one point between write groups: a scan of a
     * collection in bounded steps. Any thread.
     */
    public List<StoredDocument> collectionAfter(String collection, String afterId, int limit) {
        List<String> ids = new ArrayList<>();
        List<byte[]> raws = records.read(() -> {
            ids.clear();
            NavigableSet<String> members = collections.get(collection);
            if (members != null) {
                for (String id : afterId == null ? members : members.tailSet(afterId, false)) {
                    if (ids.size() == limit) {
                        break;
                    }
                    ids.add(id);
                }
            }
            return ids;
        });
        return documents(ids, raws);
    }

    private static List<StoredDocument> documents(List<String> ids, List<byte[]> raws) {
        List<StoredDocument> out = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            out.add(DocumentRecord.decode(raws.get(i)).toDocument(ids.get(i)));
        }
        return out;
    }
}
