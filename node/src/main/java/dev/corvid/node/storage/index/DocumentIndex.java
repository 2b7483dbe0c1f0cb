package dev.corvid.node.storage.index;

import dev.corvid.node.storage.AnswerTooLargeException;
import dev.corvid.node.storage.Change;
import dev.corvid.node.storage.ContentScan;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.StoredDocument;
import dev.corvid.node.storage.wal.LogEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The index of storage: id to current record, etag order (the change feed), collection
 * membership and counts, id sequences and replication progress, everything a write or a read
 * decides on. The {@link IndexStore} (the checkpoint) holds it as of its last commit; in memory
 * are only what changed since ({@link RecordLayers}' recent records, the {@link ChangeFeed}'s and
 * {@link CollectionMembers}' changes since the checkpoint), a bounded {@link RecordCache} of
 * checkpointed records, the counts and the small maps. So its memory is set by the checkpoint's
 * window and the cache, not by the number of documents, and opening it reads nothing but the
 * store's counters: the log records after the checkpoint are {@link #replay}ed.
 *
 * <p>Contract: only the storage writer thread (or recovery before it) changes the index, by
 * {@link #show}ing log records in log order, and only after they are in the log; it applies a
 * group of them under the write lock and then publishes the group's last change counter, so
 * readers never see part of a batch. What {@link #show} returns is what the checkpoint must
 * receive, once the log records are durable: the index itself never writes the store; after a
 * checkpoint commits, {@link #checkpointed} drops what it now holds. Readers on any thread read
 * as of a published change counter, merging the store with what is in memory ({@link IndexLock}
 * says how neither waits for the other). Changes reach readers after their log sync, except a
 * replica's replicated changes (see {@code GroupCommitWriter}).
 */
public final class DocumentIndex {

    /** One log record: its sequence number and the entries it holds. */
    public record Committed(long seq, List<LogEntry> entries) {
    }

    /** A log record made visible: its sequence number and what the checkpoint must receive for it. */
    public record Shown(long seq, List<IndexWrite> writes) {
    }

    private static final Logger log = LoggerFactory.getLogger(DocumentIndex.class);
    /** How many times a read of a collection's page tries before it reads under the index lock. */
    private static final int OPTIMISTIC_PAGES = 3;

    private final IndexLock lock = new IndexLock();
    /** The change order: the store's, and what changed since the checkpoint. */
    private final ChangeFeed feed;
    /** The live documents of each collection: the store's, and who joined or left since the checkpoint. */
    private final CollectionMembers members;
    /** The change counters long reads read as of. */
    private final Pins pins = new Pins();
    private final AtomicBoolean rankingStarted = new AtomicBoolean();
    /** How many members each range of a collection's ids holds. Guarded by {@link #lock}. */
    private final MemberRanks ranks = new MemberRanks();
    /** The records themselves: where they are, and how a read gets them at one point in time. */
    private final RecordLayers records;
    /** collection -> how many live documents it has. Guarded by {@link #lock}. */
    private final Map<String, Long> collectionSizes = new HashMap<>();
    /** Every collection a document was ever stored in, each name mapped to itself. */
    private final Map<String, String> knownCollections = new ConcurrentHashMap<>();
    private final Map<String, Long> idSequences = new ConcurrentHashMap<>();
    private final Map<String, Etag> sourceProgress = new ConcurrentHashMap<>();

    /**
     * The headers the writer looked up since its last {@link #show}: a group's batches are checked
     * against the index, then shown, and an id not in memory is read from the store once. Writer only.
     */
    private final Map<String, DocumentRecord.Header> lookedUp = new HashMap<>();

    // Mutated only by the writing thread (or recovery before it); read under the lock.
    private long lastChange;
    private long lastEtagHigh;
    private long documentCount;
    private long tombstoneCount;

    /**
     * Opens the index on what {@code store} holds, reading only its counters and small maps.
     *
     * @param cacheBytes how much memory the {@link RecordCache} of checkpointed records may use
     */
    public DocumentIndex(IndexStore store, long cacheBytes) {
        this.lastChange = store.lastChange();
        this.feed = new ChangeFeed(store, lastChange);
        this.members = new CollectionMembers(store);
        this.records = new RecordLayers(store, cacheBytes, lock, () -> feed.view().change());
        this.documentCount = store.documentCount();
        this.tombstoneCount = store.tombstoneCount();
        collectionSizes.putAll(store.collectionSizes());
        store.collections().forEach(this::collectionName);
        idSequences.putAll(store.idSequences());
        sourceProgress.putAll(store.sourceProgress());
        if (lastChange > 0) {
            long[] high = new long[1];
            feed.forEachAfter(feed.view(), lastChange - 1, (change, id) -> {
                high[0] = DocumentRecord.header(store.record(id)).etagHigh();
                return false;
            });
            lastEtagHigh = high[0];
        }
        feed.publish(lastChange, lastEtagHigh);
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
        for (Shown shown : show(List.of(new Committed(0, entries)))) {
            shown.writes().forEach(checkpoint);
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
        // The records the entries replace, found before the lock: the store may have to be read.
        Map<String, DocumentRecord.Header> current = new HashMap<>();
        for (Committed batch : batches) {
            for (LogEntry entry : batch.entries()) {
                String id = entry instanceof LogEntry.Put put ? put.id()
                        : entry instanceof LogEntry.Delete delete ? delete.id() : null;
                if (id != null && !current.containsKey(id)) {
                    current.put(id, currentHeader(id));
                }
            }
        }
        List<Shown> shown = new ArrayList<>(batches.size());
        lock.writeLock().lock();
        try {
            for (Committed batch : batches) {
                List<IndexWrite> writes = new ArrayList<>(batch.entries().size());
                for (LogEntry entry : batch.entries()) {
                    writes.add(applyToMemory(entry, current));
                }
                shown.add(new Shown(batch.seq(), writes));
            }
            feed.publish(lastChange, lastEtagHigh);
        } finally {
            lock.writeLock().unlock();
            lookedUp.clear();
        }
        splitRanges();
        return shown;
    }

    /** Splits the member ranges that grew past twice their size. Writer, after a group. */
    private void splitRanges() {
        if (ranks.oversized().isEmpty()) {
            return;
        }
        lock.stable(() -> {
            long at = feed.view().change();
            for (String collection : List.copyOf(ranks.oversized())) {
                MemberRanks.Range range;
                while ((range = ranks.oversizedRange(collection)) != null) {
                    String[] middle = new String[1];
                    int[] passed = {0};
                    members.forEachFrom(collection, range.fromId(), true, at, id -> {
                        if (passed[0]++ == MemberRanks.RANGE) {
                            middle[0] = id;
                            return false;
                        }
                        return true;
                    });
                    String from = range.fromId();
                    lock.writeLock().lock();
                    try {
                        ranks.split(collection, from, middle[0]);
                    } finally {
                        lock.writeLock().unlock();
                    }
                }
            }
            return null;
        });
    }

    /**
     * Counts the members of each range of every collection's ids, on a thread of its own, so pages
     * at an offset start near it ({@link MemberRanks}); until it is done they count from the first.
     * Once, when the first page at an offset of a range or more is asked for: a node that never
     * serves one never spends the time (about 2 s of a core per million members).
     */
    private void rankMembersInBackground() {
        if (!rankingStarted.compareAndSet(false, true)) {
            return;
        }
        Thread thread = new Thread(() -> {
            long started = System.nanoTime();
            try {
                long members = rankMembers();
                log.info("ranked the {} members of {} collections in {} ms", members, knownCollections.size(),
                        (System.nanoTime() - started) / 1_000_000);
            } catch (RuntimeException e) {
                log.warn("could not rank the collections' members (pages at an offset count from the first): {}",
                        e.toString());
            }
        }, "corvid-index-ranks");
        thread.setDaemon(true);
        thread.start();
    }

    /** Whether the members are ranked ({@link #rankMembersInBackground}): pages at an offset start near it. */
    public boolean membersRanked() {
        return lock.read(ranks::ready);
    }

    /** The ranges as of one pinned view, then the moves since, under the write lock. */
    private long rankMembers() {
        long at = pinnedView().change();
        try {
            Map<String, MemberRanks.Builder> built = new HashMap<>();
            long[] count = {0};
            for (String collection : knownCollections()) {
                MemberRanks.Builder builder = new MemberRanks.Builder();
                members.forEachAfter(collection, null, at, id -> {
                    builder.add(id);
                    count[0]++;
                    return true;
                });
                built.put(collection, builder);
            }
            lock.writeLock().lock();
            try {
                ranks.install(built);
                members.forEachMoveAfter(at, (collection, id, delta) -> {
                    if (DocumentRecord.Header.isCollection(collection)) {
                        ranks.moved(collection, id, delta);
                    }
                });
            } finally {
                lock.writeLock().unlock();
            }
            return count[0];
        } finally {
            pins.release(at);
        }
    }

    /**
     * Updates what is in memory for one entry and returns what the checkpoint must receive: for a
     * put or delete the encoded record, also kept in memory until the checkpoint holds it.
     *
     * @param current the header of each id's current record (null: none), updated here
     */
    private IndexWrite applyToMemory(LogEntry entry, Map<String, DocumentRecord.Header> current) {
        if (entry instanceof LogEntry.Put put) {
            byte[] record = DocumentRecord.live(put.etag(), put.collection(), put.metadata(), put.body()).encode();
            return index(put.id(), record, new DocumentRecord.Header(put.etag(), false, collectionName(put.collection())),
                    current);
        } else if (entry instanceof LogEntry.Delete delete) {
            byte[] record = DocumentRecord.tombstone(delete.etag(), delete.metadata()).encode();
            return index(delete.id(), record, new DocumentRecord.Header(delete.etag(), true, null), current);
        } else if (entry instanceof LogEntry.ReserveIds reserve) {
            idSequences.put(reserve.collection(), reserve.last());
            return new IndexWrite.IdSequence(reserve.collection(), reserve.last());
        }
        LogEntry.SourceProgress progress = (LogEntry.SourceProgress) entry;
        sourceProgress.put(progress.source(), progress.lastApplied());
        return new IndexWrite.SourceProgress(progress.source(), progress.lastApplied());
    }

    /**
     * Makes {@code record} the current record of {@code id}: in the records, the change order, the
     * members of its group ({@link DocumentRecord.Header#group}) and the counts. A record that stays
     * in its group (an update) leaves the members alone.
     */
    private IndexWrite.Document index(String id, byte[] record, DocumentRecord.Header header,
                                      Map<String, DocumentRecord.Header> current) {
        assert header.change() > lastChange : header.change() + " <= " + lastChange;
        DocumentRecord.Header old = current.put(id, header);
        records.applied(id, record);
        if (old != null) {
            feed.supersede(old.change(), id, header.change());
        }
        feed.append(header.change(), id);
        boolean wasLive = old != null && !old.tombstone();
        boolean isLive = !header.tombstone();
        String before = wasLive ? old.collection() : null;
        String after = isLive ? header.collection() : null;
        documentCount += (isLive ? 1 : 0) - (wasLive ? 1 : 0);
        tombstoneCount += (isLive ? 0 : 1) - (old != null && old.tombstone() ? 1 : 0);
        String group = header.group();
        if (old == null || !old.group().equals(group)) {
            if (old != null) {
                members.leave(old.group(), id, header.change());
            }
            members.join(group, id, header.change());
        }
        if (!Objects.equals(before, after)) {
            if (before != null) {
                ranks.moved(before, id, -1);
                collectionSizes.merge(before, -1L, Long::sum);
            }
            if (after != null) {
                ranks.moved(after, id, 1);
                collectionSizes.merge(after, 1L, Long::sum);
            }
        }
        lastChange = header.change();
        lastEtagHigh = header.etagHigh();
        return new IndexWrite.Document(id, record, header, old);
    }

    /**
     * After a checkpoint that holds {@code written} and every change up to {@code through}
     * commits: what memory kept for it moves to the record cache or is dropped. The checkpoint's
     * thread (or recovery's).
     */
    public void checkpointed(List<IndexWrite.Document> written, long through) {
        lock.drop(() -> {
            records.checkpointed(written);
            long keepAfter = pins.dropUpTo(through);
            feed.checkpointed(through, keepAfter);
            members.checkpointed(keepAfter);
        });
    }

    /** The one instance of {@code name} the index keeps (and knows as a collection ever stored); null for null. */
    private String collectionName(String name) {
        return name == null ? null : knownCollections.computeIfAbsent(name, n -> n);
    }

    /** The header of the current record of {@code id}, or null. Writer thread. */
    private DocumentRecord.Header currentHeader(String id) {
        if (lookedUp.containsKey(id)) {
            return lookedUp.get(id);
        }
        byte[] raw = records.current(id);
        DocumentRecord.Header header = raw == null ? null : DocumentRecord.header(raw);
        lookedUp.put(id, header);
        return header;
    }

    /** The current etag of a live document, or null when it is missing or deleted. Writer thread. */
    public Etag currentEtag(String id) {
        DocumentRecord.Header header = currentHeader(id);
        return header == null || header.tombstone() ? null : header.etag();
    }

    /** The current record of a document, its tombstone included; null when it never existed. Writer thread. */
    public DocumentRecord record(String id) {
        byte[] raw = records.current(id);
        return raw == null ? null : DocumentRecord.decode(raw);
    }

    /** The current version of a document, or empty when it does not exist or is deleted. Any thread. */
    public Optional<StoredDocument> document(String id) {
        return documents(List.of(id), Long.MAX_VALUE).get(0);
    }

    /**
     * The current versions of {@code ids}, in that order, all as of one point between write groups.
     * Any thread.
     *
     * @throws AnswerTooLargeException once the records read add up to more than {@code maxBytes}
     */
    public List<Optional<StoredDocument>> documents(List<String> ids, long maxBytes) {
        List<byte[]> raws = records.read(ids, maxBytes);
        List<Optional<StoredDocument>> out = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            DocumentRecord r = raws.get(i) == null ? null : DocumentRecord.decode(raws.get(i));
            out.add(r == null || r.tombstone() ? Optional.empty() : Optional.of(r.toDocument(ids.get(i))));
        }
        return out;
    }

    /** The last master etag applied from {@code source}, or null when none was. Any thread. */
    public Etag sourceProgress(String source) {
        return sourceProgress.get(source);
    }

    /** How many entries of the change feed come after {@code change}: O(n), for stats only. */
    public long countChangesAfter(long change) {
        ChangeFeed.View view = pinnedView();
        try {
            long[] count = new long[1];
            feed.forEachAfter(view, change, (c, id) -> {
                count[0]++;
                return true;
            });
            return count[0];
        } finally {
            pins.release(view.change());
        }
    }

    /** The view now, pinned (see {@link Pins}): release it when done. */
    private ChangeFeed.View pinnedView() {
        return lock.read(() -> {
            ChangeFeed.View view = feed.view();
            pins.pin(view.change());
            return view;
        });
    }

    /** The last id of the collection's sequence reserved, 0 when none was. Writer thread. */
    public long lastReservedId(String collection) {
        Long last = idSequences.get(collection);
        return last == null ? 0 : last;
    }

    /**
     * Up to {@code limit} entries of the change feed after the change counter {@code change}, in
     * order, each with its record, all as of one point between write groups. A record rewritten
     * since that point ends the page before it (it comes later in the feed); a page that would
     * end before its first entry is read again, as of a later point, and after
     * {@value #OPTIMISTIC_PAGES} tries under the index lock.
     */
    public List<Change> changesAfter(long change, int limit) {
        return lock.stable(() -> {
            for (int attempt = 0; attempt <= OPTIMISTIC_PAGES; attempt++) {
                List<Change> page = attempt < OPTIMISTIC_PAGES ? changesAt(feed.view(), change, limit)
                        : lock.read(() -> changesAt(feed.view(), change, limit));
                if (page != null) {
                    return page;
                }
            }
            throw new IllegalStateException("the change feed read under the index lock changed");
        });
    }

    /** The page as of {@code view}, up to its first record rewritten since; null when that is its first. */
    private List<Change> changesAt(ChangeFeed.View view, long change, int limit) {
        List<String> ids = new ArrayList<>();
        List<Long> changes = new ArrayList<>();
        feed.forEachAfter(view, change, (c, id) -> {
            ids.add(id);
            changes.add(c);
            return ids.size() < limit;
        });
        List<byte[]> raws = records.read(ids, Long.MAX_VALUE);
        List<Change> out = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            byte[] raw = raws.get(i);
            if (raw == null || DocumentRecord.change(raw) != changes.get(i)) {
                break;
            }
            out.add(DocumentRecord.decode(raw).toChange(ids.get(i)));
        }
        return out.isEmpty() && !ids.isEmpty() ? null : out;
    }

    /**
     * Takes a {@link ContentScan} snapshot: the last etag, the last master etag applied from
     * {@code source} and the number of ids, all as of one point between write groups, which the
     * scan keeps pinned until it is closed; its ids and records are read a page at a time
     * ({@link IdListing}), so it holds a page, not the listing.
     */
    public ContentScan contentScan(String source) {
        record Point(ChangeFeed.View view, Etag applied, long size, List<String> groups) {
        }
        Point at = lock.read(() -> {
            ChangeFeed.View view = feed.view();
            pins.pin(view.change());
            List<String> groups = new ArrayList<>(knownCollections.keySet());
            groups.add(DocumentRecord.Header.TOMBSTONES);
            groups.add(DocumentRecord.Header.UNNAMED);
            return new Point(view, source == null ? null : sourceProgress.get(source), documentCount + tombstoneCount,
                    groups);
        });
        long change = at.view().change();
        try {
            IdListing ids = new IdListing(members, at.groups(), change);
            Etag lastEtag = change == 0 ? null : Etag.fromLongs(at.view().etagHigh(), change);
            return new ContentScan(lastEtag, at.applied(), at.size(), change, ids, this::records,
                    () -> pins.release(change));
        } catch (RuntimeException e) {
            pins.release(change);
            throw e;
        }
    }

    /** The records of a content scan's page: each on its own, since each is checked against the snapshot. */
    private List<DocumentRecord> records(List<String> ids) {
        List<byte[]> raws = records.latest(ids);
        List<DocumentRecord> out = new ArrayList<>(raws.size());
        for (byte[] raw : raws) {
            out.add(raw == null ? null : DocumentRecord.decode(raw));
        }
        return out;
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
     * page's records; passes over {@code skip} ids. Any thread.
     */
    public Slice collectionSlice(String collection, int skip, int take) {
        if (skip >= MemberRanks.RANGE) {
            rankMembersInBackground();
        }
        long[] total = new long[1];
        List<StoredDocument> page = page(collection, view -> {
            total[0] = collectionSizes.getOrDefault(collection, 0L);
            return ranks.start(collection, skip);
        }, true, take);
        return new Slice(page, total[0]);
    }

    /**
     * Up to {@code limit} live documents of {@code collection} with ids after {@code afterId}
     * (null: from the first), in id order, read at one point between write groups: a scan of a
     * collection in bounded steps. Any thread.
     */
    public List<StoredDocument> collectionAfter(String collection, String afterId, int limit) {
        return page(collection, view -> new MemberRanks.Start(afterId, 0), false, limit);
    }

    /**
     * Up to {@code take} members of {@code collection} with their records, all as of one view, from
     * where {@code underLock} says (it runs under the index lock with the view, for whatever else
     * must be read at the same point), {@code inclusive} of its first id. A page whose records
     * changed since its view is read again; after {@value #OPTIMISTIC_PAGES} tries, under the
     * index lock.
     */
    private List<StoredDocument> page(String collection, Function<ChangeFeed.View, MemberRanks.Start> underLock,
                                      boolean inclusive, int take) {
        record Point(ChangeFeed.View view, MemberRanks.Start start) {
        }
        return lock.stable(() -> {
            for (int attempt = 0; attempt <= OPTIMISTIC_PAGES; attempt++) {
                List<StoredDocument> page;
                if (attempt < OPTIMISTIC_PAGES) {
                    Point at = lock.read(() -> new Point(feed.view(), underLock.apply(feed.view())));
                    page = pageAt(collection, at.view(), at.start(), inclusive, take);
                } else {
                    page = lock.read(() -> pageAt(collection, feed.view(), underLock.apply(feed.view()), inclusive, take));
                }
                if (page != null) {
                    return page;
                }
            }
            throw new IllegalStateException("a page of '" + collection + "' read under the index lock changed");
        });
    }

    /** The page as of {@code view}, or null when one of its records is newer than the view. */
    private List<StoredDocument> pageAt(String collection, ChangeFeed.View view, MemberRanks.Start start,
                                        boolean inclusive, int take) {
        List<String> ids = new ArrayList<>();
        long[] skipped = {0};
        if (take > 0) {
            members.forEachFrom(collection, start.fromId(), inclusive, view.change(), id -> {
                if (skipped[0] < start.skip()) {
                    skipped[0]++;
                    return true;
                }
                ids.add(id);
                return ids.size() < take;
            });
        }
        List<byte[]> raws = records.read(ids, Long.MAX_VALUE);
        List<StoredDocument> out = new ArrayList<>(ids.size());
        for (int i = 0; i < ids.size(); i++) {
            byte[] raw = raws.get(i);
            if (raw == null || DocumentRecord.change(raw) > view.change()) {
                return null;
            }
            out.add(DocumentRecord.decode(raw).toDocument(ids.get(i)));
        }
        return out;
    }
}
