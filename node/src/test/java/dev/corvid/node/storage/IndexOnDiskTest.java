package dev.corvid.node.storage;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mapdb.DB;
import org.mapdb.DBMaker;
import org.mapdb.Serializer;

/**
 * The index lives in the checkpoint: its change order, collection members and counts are read
 * from MapDB merged with what changed since the last commit. Random writes across many commits,
 * clean reopens and a crash image must read exactly as a model of them says, and an index file
 * written before the change order was kept there gets it built on its first open.
 */
class IndexOnDiskTest {

    private static final List<String> COLLECTIONS = List.of("Alphas", "Betas", "Gammas");
    /** A commit every few entries or milliseconds: reads keep meeting one. */
    private static final CheckpointPolicy OFTEN = new CheckpointPolicy(40, 128 * 1024, 5, 2, 64 * 1024);
    private static final CheckpointPolicy NEVER =
            new CheckpointPolicy(Integer.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);

    @TempDir
    Path dir;

    /** id -> collection ("" for none) and body of its live version; deleted ids map to null. */
    private final Map<String, String[]> model = new TreeMap<>();

    @Test
    void randomWrites_acrossCommitsReopensAndACrash_readAsTheModelSays() throws IOException {
        Random random = new Random(42);
        Path live = dir.resolve("live");
        LogStorage storage = LogStorage.open(LogStorageTest.small(live), OFTEN);
        try {
            for (int round = 0; round < 8; round++) {
                for (int op = 0; op < 150; op++) {
                    write(storage, random);
                }
                check(storage);
                if (round % 3 == 2) {
                    storage.close();
                    storage = LogStorage.open(LogStorageTest.small(live), OFTEN);
                    check(storage);
                }
            }
            // A crash: an image of the files with log records past the last commit.
            storage.close();
            storage = LogStorage.open(LogStorageTest.small(live), NEVER);
            for (int op = 0; op < 200; op++) {
                write(storage, random);
            }
            Path image = dir.resolve("image");
            CrashRecoveryTest.copy(live, image);
            storage.close();
            storage = LogStorage.open(LogStorageTest.small(image), OFTEN);
            check(storage);
            for (int op = 0; op < 150; op++) {
                write(storage, random);
            }
            check(storage);
        } finally {
            storage.close();
        }
    }

    @Test
    void anIndexWithoutItsChangeOrder_orWithAnOlderOne_getsItBuiltOnOpen() {
        Random random = new Random(7);
        Path data = dir.resolve("old");
        try (LogStorage storage = LogStorage.open(LogStorageTest.small(data), OFTEN)) {
            for (int op = 0; op < 300; op++) {
                write(storage, random);
            }
        }
        // What a build before the change order left: the records and counters only.
        edit(data, db -> {
            db.treeMap("changes", Serializer.LONG_DELTA, Serializer.STRING).maxNodeSize(16).createOrOpen().clear();
            members(db).clear();
            db.treeMap("collection-sizes", Serializer.STRING, Serializer.LONG).createOrOpen().clear();
            db.atomicLong("document-count").createOrOpen().set(0);
            db.atomicLong("tombstone-count").createOrOpen().set(0);
            db.atomicInteger("index-format").createOrOpen().set(1);
        });
        try (LogStorage storage = LogStorage.open(LogStorageTest.small(data), OFTEN)) {
            check(storage);
            for (int op = 0; op < 100; op++) {
                write(storage, random);
            }
            check(storage);
        }
        // What a build before the tombstones and unnamed documents were members left.
        edit(data, db -> {
            members(db).removeIf(k -> k.startsWith("\u0001"));
            db.atomicInteger("index-format").createOrOpen().set(2);
        });
        try (LogStorage storage = LogStorage.open(LogStorageTest.small(data), OFTEN)) {
            check(storage);
            for (int op = 0; op < 100; op++) {
                write(storage, random);
            }
        }
        // What such a build leaves after committing to a file of format 3: groups it did not keep.
        edit(data, db -> {
            members(db).removeIf(k -> k.startsWith("\u0001"));
            db.atomicLong("index-groups-seq").createOrOpen().set(checkpointSeq(db) - 1);
        });
        try (LogStorage storage = LogStorage.open(LogStorageTest.small(data), OFTEN)) {
            check(storage);
        }
        // What a build before the change order leaves after committing records the order lacks.
        edit(data, db -> {
            members(db).clear();
            db.atomicLong("index-order-seq").createOrOpen().set(checkpointSeq(db) - 1);
        });
        try (LogStorage storage = LogStorage.open(LogStorageTest.small(data), OFTEN)) {
            check(storage);
        }
    }

    /** Changes the index file of the closed storage in {@code data} as {@code change} says, and commits. */
    private static void edit(Path data, Consumer<DB> change) {
        DB db = DBMaker.fileDB(data.resolve(LogStorage.INDEX_FILE).toFile()).transactionEnable()
                .fileMmapEnableIfSupported().make();
        try {
            change.accept(db);
            db.commit();
        } finally {
            db.close();
        }
    }

    private static NavigableSet<String> members(DB db) {
        return db.treeSet("members", Serializer.STRING_DELTA).maxNodeSize(16).createOrOpen();
    }

    private static long checkpointSeq(DB db) {
        return db.atomicLong("checkpoint-seq").createOrOpen().get();
    }

    /**
     * Pages at an offset start from counted ranges of a collection's ids: they must stay exact as
     * ranges split (inserts), merge (deletes), and are counted again after a reopen.
     */
    @Test
    void pagesAtAnOffset_stayExact_asTheirRangesSplitAndMerge() {
        Random random = new Random(11);
        Path data = dir.resolve("ranks");
        java.util.TreeSet<String> people = new java.util.TreeSet<>();
        LogStorage storage = LogStorage.open(LogStorageTest.small(data), OFTEN);
        try {
            storage.write(WriteBatch.builder().put("people/0", "{\"@collection\":\"People\"}", "{}", null).build());
            people.add("people/0");
            storage.query(new Query("People", List.of(), List.of(), 5_000, 1));
            for (int round = 0; round < 3; round++) {
                LogStorage open = storage;
                if (round > 0) {
                    assertTrue(!open.membersRanked(), "ranked before any page at an offset");
                    open.query(new Query("People", List.of(), List.of(), 5_000, 1)); // starts the ranking
                }
                await().atMost(Duration.ofSeconds(30)).until(open::membersRanked);
                for (int op = 0; op < 3_000; op++) {
                    String id = "people/" + random.nextInt(6_000);
                    if (people.contains(id) && random.nextInt(round == 1 ? 2 : 6) == 0) {
                        storage.write(WriteBatch.builder().delete(id, null).build());
                        people.remove(id);
                    } else {
                        storage.write(WriteBatch.builder().put(id, "{\"@collection\":\"People\"}", "{}", null).build());
                        people.add(id);
                    }
                }
                List<String> all = new ArrayList<>(people);
                for (int skip : List.of(0, 1, 1023, 1024, 1025, 2047, 2048, 2049, all.size() - 1, all.size(), all.size() + 5)) {
                    pageIs(storage, all, skip);
                }
                for (int i = 0; i < 40; i++) {
                    pageIs(storage, all, random.nextInt(all.size() + 10));
                }
                storage.close();
                storage = LogStorage.open(LogStorageTest.small(data), OFTEN);
            }
        } finally {
            storage.close();
        }
    }

    private static void pageIs(LogStorage storage, List<String> all, int skip) {
        QueryResult page = storage.query(new Query("People", List.of(), List.of(), skip, 7));
        assertEquals(all.stream().skip(skip).limit(7).toList(), page.documents().stream().map(StoredDocument::id).toList(),
                "skip " + skip);
        assertEquals(all.size(), page.totalResults());
    }

    /**
     * A replica reads the feed right behind the writer, where records change between the feed's
     * order and the read of their bodies: every page must still be in etag order, each change
     * carrying the etag of its place, across commits.
     */
    @Test
    void theFeed_staysInEtagOrder_whileHotDocumentsChangeUnderItsReaders() throws Exception {
        try (LogStorage storage = LogStorage.open(LogStorageTest.small(dir.resolve("hot")), OFTEN)) {
            AtomicBoolean done = new AtomicBoolean();
            Thread writer = new Thread(() -> {
                Random random = new Random(3);
                while (!done.get()) {
                    storage.write(WriteBatch.builder().put("hot/" + random.nextInt(20), "{}", "{}", null).build());
                }
            });
            writer.start();
            try {
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(3);
                int pages = 0;
                while (System.nanoTime() < deadline) {
                    Etag from = Etag.EMPTY;
                    for (List<Change> page; !(page = storage.changesAfter(from, 7)).isEmpty(); ) {
                        for (Change c : page) {
                            assertTrue(c.etag().compareTo(from) > 0, c.etag() + " after " + from);
                            from = c.etag();
                        }
                        pages++;
                    }
                }
                assertTrue(pages > 100, pages + " pages");
            } finally {
                done.set(true);
                writer.join();
            }
        }
    }

    /**
     * A content scan reads its ids a page at a time as of its snapshot, while writes and commits go
     * on: it lists exactly the snapshot's ids that nothing rewrote since, and counts the others.
     */
    @Test
    void aContentScan_readsItsSnapshot_acrossCommitsAndWrites() {
        Random random = new Random(11);
        try (LogStorage storage = LogStorage.open(LogStorageTest.small(dir.resolve("scan")), OFTEN)) {
            for (int op = 0; op < 400; op++) {
                write(storage, random);
            }
            // Groups larger than a scan reads of each at once.
            for (int batch = 0; batch < 30; batch++) {
                WriteBatch.Builder b = WriteBatch.builder();
                for (int i = 0; i < 100; i++) {
                    String id = "bulk/" + (batch * 100 + i);
                    String collection = COLLECTIONS.get(i % COLLECTIONS.size());
                    b.put(id, "{\"@collection\":\"" + collection + "\"}", "{\"i\":" + i + "}", null);
                    model.put(id, new String[] {collection, "{\"i\":" + i + "}"});
                }
                storage.write(b.build());
            }
            long leftOut = 0;
            for (int round = 0; round < 5; round++) {
                Map<String, String[]> snapshot = new TreeMap<>(model);
                Set<String> rewritten = new HashSet<>();
                List<String> listed = new ArrayList<>();
                try (ContentScan scan = storage.contentScan(null)) {
                    assertEquals(snapshot.size(), scan.size());
                    while (!scan.done()) {
                        listed.addAll(describe(scan.nextPage(50)));
                        for (int op = 0; op < 4; op++) {
                            rewritten.add(write(storage, random));
                        }
                        // New ids, listed last: not in the snapshot, so neither listed nor counted.
                        String created = "new/" + round + "/" + listed.size() + "/" + random.nextInt(1_000_000);
                        String collection = COLLECTIONS.get(random.nextInt(COLLECTIONS.size()));
                        storage.write(WriteBatch.builder().put(created, "{\"@collection\":\"" + collection + "\"}",
                                "{}", null).build());
                        model.put(created, new String[] {collection, "{}"});
                    }
                    // Each id is listed as the snapshot had it, unless it was rewritten before its page was read.
                    List<String> expected = expectedListing(snapshot);
                    List<String> missing = new ArrayList<>(expected);
                    missing.removeAll(listed);
                    assertTrue(expected.containsAll(listed), "round " + round + ": " + listed);
                    assertEquals(listed.stream().sorted(Comparator.comparing(e -> e.split(" ")[0])).toList(), listed);
                    for (String entry : missing) {
                        assertTrue(rewritten.contains(entry.split(" ")[0]), "round " + round + ": " + entry + " left out");
                    }
                    assertEquals(missing.size(), scan.changedDuringScan(), "round " + round);
                    leftOut += missing.size();
                }
                check(storage);
            }
            assertTrue(leftOut > 0, "no id was rewritten before its page: the test tests nothing");
        }
    }

    /** Creates, updates, moves between collections (or out of any) or deletes one document; returns its id. */
    private String write(LogStorage storage, Random random) {
        String id = "docs/" + random.nextInt(60);
        String[] current = model.get(id);
        if (current != null && random.nextInt(5) == 0) {
            storage.write(WriteBatch.builder().delete(id, null).build());
            model.put(id, null);
            return id;
        }
        String collection = random.nextInt(8) == 0 ? "" : COLLECTIONS.get(random.nextInt(COLLECTIONS.size()));
        String metadata = collection.isEmpty() ? "{}" : "{\"@collection\":\"" + collection + "\"}";
        String body = "{\"n\":" + random.nextInt(1_000_000) + "}";
        storage.write(WriteBatch.builder().put(id, metadata, body, null).build());
        model.put(id, new String[] {collection, body});
        return id;
    }

    private void check(LogStorage storage) {
        long live = model.values().stream().filter(v -> v != null).count();
        assertEquals(live, storage.documentCount());
        assertEquals(model.size() - live, storage.tombstoneCount());
        for (Map.Entry<String, String[]> e : model.entrySet()) {
            String body = e.getValue() == null ? null : e.getValue()[1];
            assertEquals(body, storage.get(e.getKey()).map(d -> d.bodyJson().toStringUtf8()).orElse(null), e.getKey());
        }
        for (String collection : COLLECTIONS) {
            List<String> expected = new ArrayList<>();
            model.forEach((id, v) -> {
                if (v != null && v[0].equals(collection)) {
                    expected.add(id);
                }
            });
            QueryResult all = storage.query(new Query(collection, List.of(), List.of(), 0, 5_000));
            assertEquals(expected, all.documents().stream().map(StoredDocument::id).toList(), collection);
            assertEquals(expected.size(), all.totalResults(), collection);
            QueryResult page = storage.query(new Query(collection, List.of(), List.of(), 3, 5));
            assertEquals(expected.stream().skip(3).limit(5).toList(), page.documents().stream().map(StoredDocument::id).toList());
        }
        List<Change> feed = storage.changesAfter(Etag.EMPTY, 10_000);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < feed.size(); i++) {
            Change c = feed.get(i);
            assertTrue(ids.add(c.id()), c.id() + " twice in the feed");
            assertTrue(i == 0 || c.etag().compareTo(feed.get(i - 1).etag()) > 0, "feed out of order at " + i);
            assertEquals(model.get(c.id()) == null, c.deleted(), c.id());
            storage.get(c.id()).ifPresent(d -> assertEquals(d.etag(), c.etag()));
        }
        assertEquals(model.keySet(), ids);
        assertEquals(storage.lastEtag(), feed.get(feed.size() - 1).etag());
        for (int i = 0; i < feed.size(); i += 17) {
            List<Change> tail = storage.changesAfter(feed.get(i).etag(), 10_000);
            assertEquals(feed.subList(i + 1, feed.size()).stream().map(Change::id).toList(),
                    tail.stream().map(Change::id).toList(), "the feed after entry " + i);
        }
        assertEquals(feed.size() - 1, storage.countChangesAfter(feed.get(0).etag()));
        assertEquals(expectedListing(model), listing(storage));
    }

    /** What a content scan of {@code documents} lists: each id with "deleted" or its collection and body. */
    private static List<String> expectedListing(Map<String, String[]> documents) {
        List<String> out = new ArrayList<>();
        documents.forEach((id, v) -> out.add(id + " " + (v == null ? "deleted" : v[0] + " " + hash(v[1]))));
        return out;
    }

    /** A whole content scan in pages of 7, as {@link #expectedListing}; checks it has no change left out. */
    private static List<String> listing(LogStorage storage) {
        List<String> out = new ArrayList<>();
        try (ContentScan scan = storage.contentScan(null)) {
            long size = scan.size();
            while (!scan.done()) {
                out.addAll(describe(scan.nextPage(7)));
            }
            assertEquals(0, scan.changedDuringScan());
            assertEquals(size, out.size());
        }
        return out;
    }

    private static List<String> describe(List<ContentDigest> page) {
        return page.stream().map(d -> d.id() + " " + (d.deleted() ? "deleted"
                : (d.collection() == null ? "" : d.collection()) + " " + HexFormat.of().formatHex(d.bodyHash())))
                .toList();
    }

    private static String hash(String body) {
        try {
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(Arrays.copyOf(sha, ContentScan.HASH_BYTES));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
