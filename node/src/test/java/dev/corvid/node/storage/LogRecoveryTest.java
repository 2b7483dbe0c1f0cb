package dev.corvid.node.storage;

import static dev.corvid.node.testing.LogFiles.flip;
import static dev.corvid.node.testing.LogFiles.recordStarts;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.node.storage.wal.ChangeCounter;
import dev.corvid.node.storage.wal.LogRecovery;
import dev.corvid.node.storage.wal.WriteAheadLog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the log replay takes for a torn tail and what for corruption: only an incomplete or damaged
 * last record of the last segment is cut; damage anywhere else refuses to open and changes nothing.
 */
class LogRecoveryTest {

    private static final long SEGMENT = 64 * 1024;
    /** No checkpoints after open, so crash images hold the whole log. */
    private static final CheckpointPolicy NEVER =
            new CheckpointPolicy(Integer.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);

    @TempDir
    Path dir;

    @Test
    void recycledSegmentLongerThanItsNewLife_followedByLaterSegments_replaysEverything() throws IOException {
        Path wal = dir.resolve("wal");
        try (WriteAheadLog log = new WriteAheadLog(wal, SEGMENT)) {
            log.replay(0, (seq, payload) -> { });
            log.startSegment(1);
            log.append(1, payload(1, 3 * (int) SEGMENT)); // grows the file past its preallocated size
            log.sync();
            log.startSegment(2);
            appendAll(log, 2, 10);
            log.retireSegmentsUpTo(1); // segment 1 is recycled ...
            log.prepareSpare(); // ... zeroed and cut to the segment size ...
            log.startSegment(11); // ... and taken as the next segment
            appendAll(log, 11, 12);
            log.startSegment(13);
            appendAll(log, 13, 14);
        }
        byte[] recycled = Files.readAllBytes(wal.resolve(String.format("%020d.wal", 11)));
        assertEquals(SEGMENT, recycled.length);
        assertEquals(2 * (WriteAheadLog.HEADER + 100), CrashRecoveryTest.endOfData(wal.resolve(String.format("%020d.wal", 11))),
                "only zeros after the new records");
        Map<Path, byte[]> before = files(wal);
        List<Long> replayed = new ArrayList<>();
        try (WriteAheadLog log = new WriteAheadLog(wal, SEGMENT)) {
            LogRecovery.Result result = log.replay(1, (seq, payload) -> {
                assertArrayEquals(payload(seq, 100), payload);
                replayed.add(seq);
            });
            assertEquals(14, result.lastSeq());
            assertEquals(0, result.bytesCut());
        }
        assertEquals(LongStream.rangeClosed(2, 14).boxed().toList(), replayed);
        assertFilesEqual(before, files(wal));
    }

    /**
     * Files recycled without zeroing (as an earlier version did) hold stale records after the new
     * ones, in a segment followed by more and in the last: they end cleanly.
     */
    @Test
    void segmentsWithStaleBytesAfterTheirRecords_endCleanly() throws IOException {
        Path wal = dir.resolve("wal");
        try (WriteAheadLog log = new WriteAheadLog(wal, SEGMENT)) {
            log.replay(0, (seq, payload) -> { });
            log.startSegment(1);
            appendAll(log, 1, 600); // more than a segment's worth
            log.startSegment(601);
            appendAll(log, 601, 602);
            log.startSegment(603);
            appendAll(log, 603, 605);
        }
        byte[] oldLife = Files.readAllBytes(wal.resolve(String.format("%020d.wal", 1)));
        for (long first : new long[] {601, 603}) {
            Path segment = wal.resolve(String.format("%020d.wal", first));
            long end = CrashRecoveryTest.endOfData(segment);
            try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
                // Stale records, record-aligned and not, after the new ones.
                ch.write(ByteBuffer.wrap(oldLife, first == 601 ? 0 : 37, 30_000), end);
            }
        }
        List<Long> replayed = new ArrayList<>();
        try (WriteAheadLog log = new WriteAheadLog(wal, SEGMENT)) {
            LogRecovery.Result result = log.replay(600, (seq, payload) -> replayed.add(seq));
            assertEquals(605, result.lastSeq());
        }
        assertEquals(List.of(601L, 602L, 603L, 604L, 605L), replayed);
    }

    @Test
    void flippedByteInsideTheLog_refusesToOpen_atEveryOffset_andChangesNothing() throws IOException {
        Path image = crashImage(30);
        Path segment = CrashRecoveryTest.onlySegment(image.resolve("wal"));
        List<Long> starts = recordStarts(segment);
        long lastRecord = starts.get(starts.size() - 1);
        int refusals = 0;
        for (long offset = 0; offset < lastRecord; offset += 29) {
            Path trial = copyOf(image, "trial-" + offset);
            Path trialSegment = CrashRecoveryTest.onlySegment(trial.resolve("wal"));
            flip(trialSegment, offset);
            Map<Path, byte[]> before = files(trial);
            StorageOpenException refused = assertThrows(StorageOpenException.class,
                    () -> LogStorage.open(LogStorageTest.small(trial)).close(), "flip at byte " + offset);
            assertEquals(trialSegment, refused.file());
            String message = refused.getMessage();
            assertTrue(message.contains(trialSegment.toString()) && message.contains("corrupt")
                    && message.contains("at byte " + recordAt(starts, offset)), message);
            assertFilesEqual(before, files(trial));
            CrashRecoveryTest.deleteTree(trial);
            refusals++;
        }
        assertTrue(refusals > 30, "only " + refusals + " offsets tried");
    }

    @Test
    void flippedByteInTheLastRecord_cutsThatRecordOnly_andEtagsStillGoForward() throws IOException {
        Path image = crashImage(30);
        Path segment = CrashRecoveryTest.onlySegment(image.resolve("wal"));
        List<Long> starts = recordStarts(segment);
        long lastRecord = starts.get(starts.size() - 1);
        long end = CrashRecoveryTest.endOfData(segment);
        Etag lastBeforeCrash;
        try (LogStorage intact = LogStorage.open(LogStorageTest.small(copyOf(image, "intact")))) {
            lastBeforeCrash = intact.get("docs/29").orElseThrow().etag();
        }
        for (long offset = lastRecord; offset < end; offset += 7) {
            Path trial = copyOf(image, "trial-" + offset);
            flip(CrashRecoveryTest.onlySegment(trial.resolve("wal")), offset);
            try (LogStorage recovered = LogStorage.open(LogStorageTest.small(trial))) {
                for (int i = 0; i < 29; i++) {
                    assertTrue(recovered.get("docs/" + i).isPresent(), "docs/" + i + " lost, flip at " + offset);
                }
                assertTrue(recovered.get("docs/29").isEmpty(), "the damaged record was replayed, flip at " + offset);
                Etag next = recovered.write(WriteBatch.builder().put("after", null, "{}", null).build()).get(0).etag();
                assertTrue(next.change() > lastBeforeCrash.change(),
                        "etag went backwards: " + next + " after " + lastBeforeCrash);
                assertFalse(recovered.canResumeFrom(lastBeforeCrash), "the lost etag counts as history");
                assertTrue(recovered.canResumeFrom(recovered.get("docs/28").orElseThrow().etag()));
            }
            CrashRecoveryTest.deleteTree(trial);
        }
    }

    @Test
    void repairLog_cutsAtTheDamage_keepsACopy_andTheStorageOpensWithWhatCameBefore() throws IOException {
        Path image = crashImage(30);
        CrashRecoveryTest.copy(image, dir.resolve("image-intact"));
        Path segment = CrashRecoveryTest.onlySegment(image.resolve("wal"));
        List<Long> starts = recordStarts(segment);
        flip(segment, starts.get(10) + 20);
        byte[] damaged = Files.readAllBytes(segment);
        String report = LogStorage.repairLog(image);
        assertTrue(report.contains("record 11") && report.contains("at byte " + starts.get(10)), report);
        Path quarantine;
        try (Stream<Path> files = Files.list(image)) {
            quarantine = files.filter(p -> p.getFileName().toString().startsWith("wal-quarantine-")).findFirst().orElseThrow();
        }
        assertArrayEquals(damaged, Files.readAllBytes(quarantine.resolve(segment.getFileName())), "the copy kept");
        Etag lostEtag;
        try (LogStorage intact = LogStorage.open(LogStorageTest.small(copyOf(dir.resolve("image-intact"), "x")))) {
            lostEtag = intact.get("docs/29").orElseThrow().etag();
        }
        try (LogStorage repaired = LogStorage.open(LogStorageTest.small(image))) {
            for (int i = 0; i < 30; i++) {
                assertEquals(i < 10, repaired.get("docs/" + i).isPresent(), "docs/" + i);
            }
            Etag next = repaired.write(WriteBatch.builder().put("after", null, "{}", null).build()).get(0).etag();
            assertTrue(next.change() > lostEtag.change(), "a cut log goes on after what it lost: " + next);
            assertFalse(repaired.canResumeFrom(lostEtag), "a replica holding a cut change has diverged");
        }
        assertTrue(LogStorage.repairLog(image).contains("is not corrupt"));
    }

    @Test
    void damagedLastRecordOfANonLastSegment_refusesToOpen() throws IOException {
        Path wal = dir.resolve("wal");
        try (WriteAheadLog log = new WriteAheadLog(wal, SEGMENT)) {
            log.replay(0, (seq, payload) -> { });
            log.startSegment(1);
            appendAll(log, 1, 5);
            log.startSegment(6);
            appendAll(log, 6, 7);
        }
        Path first = wal.resolve(String.format("%020d.wal", 1));
        List<Long> starts = recordStarts(first);
        flip(first, starts.get(4) + WriteAheadLog.HEADER + 3);
        try (WriteAheadLog log = new WriteAheadLog(wal, SEGMENT)) {
            StorageOpenException refused = assertThrows(StorageOpenException.class, () -> log.replay(0, (seq, p) -> { }));
            assertTrue(refused.getMessage().contains("record 5 at byte " + starts.get(4)), refused.getMessage());
            assertTrue(refused.getMessage().contains("00000000000000000006.wal"), refused.getMessage());
        }
    }

    @Test
    void missingSegment_refusesToOpen() throws IOException {
        Path wal = dir.resolve("wal");
        try (WriteAheadLog log = new WriteAheadLog(wal, SEGMENT)) {
            log.replay(0, (seq, payload) -> { });
            log.startSegment(1);
            appendAll(log, 1, 5);
            log.startSegment(6);
            appendAll(log, 6, 7);
            log.startSegment(8);
            appendAll(log, 8, 9);
        }
        Files.delete(wal.resolve(String.format("%020d.wal", 6)));
        try (WriteAheadLog log = new WriteAheadLog(wal, SEGMENT)) {
            StorageOpenException refused = assertThrows(StorageOpenException.class, () -> log.replay(0, (seq, p) -> { }));
            assertTrue(refused.getMessage().contains("record 6"), refused.getMessage());
        }
        Files.delete(wal.resolve(String.format("%020d.wal", 1)));
        try (WriteAheadLog log = new WriteAheadLog(wal, SEGMENT)) {
            StorageOpenException refused = assertThrows(StorageOpenException.class, () -> log.replay(0, (seq, p) -> { }));
            assertTrue(refused.getMessage().contains("records 1 to 7 are missing"), refused.getMessage());
        }
    }

    @Test
    void restarts_continueTheChangeCounter_andEtagsStillSortAfterEveryEarlierOne() throws IOException {
        Path live = dir.resolve("live");
        Etag last;
        try (LogStorage storage = LogStorage.open(LogStorageTest.small(live))) {
            last = storage.write(WriteBatch.builder().put("a", null, "{}", null).build()).get(0).etag();
        }
        Path image = dir.resolve("image");
        try (LogStorage storage = LogStorage.open(LogStorageTest.small(live))) {
            Etag next = storage.write(WriteBatch.builder().put("b", null, "{}", null).build()).get(0).etag();
            assertEquals(last.change() + 1, next.change(), "a clean restart leaves no gap");
            assertTrue(next.compareTo(last) > 0);
            last = next;
            CrashRecoveryTest.copy(live, image);
        }
        try (LogStorage crashed = LogStorage.open(LogStorageTest.small(image))) {
            Etag next = crashed.write(WriteBatch.builder().put("c", null, "{}", null).build()).get(0).etag();
            assertEquals(last.change() + 1, next.change(), "a crash that cut nothing leaves no gap either");
            assertTrue(next.compareTo(last) > 0, "the restart counter orders it after " + last + ": " + next);
            assertTrue(crashed.canResumeFrom(last));
            assertFalse(crashed.canResumeFrom(Etag.of(crashed.nodeTag(), 1, next.change() + 1)), "never issued");
            assertFalse(crashed.canResumeFrom(Etag.of(crashed.nodeTag() ^ 1, 1, 1)), "another node's etag");
        }
    }

    @Test
    void damagedIndexFile_refusesToOpen_namingIt() throws IOException {
        Path live = dir.resolve("live");
        try (LogStorage storage = LogStorage.open(LogStorageTest.small(live))) {
            for (int i = 0; i < 100; i++) {
                storage.write(WriteBatch.builder().put("docs/" + i, null, "{\"i\":" + i + "}", null).build());
            }
        }
        Path index = live.resolve(LogStorage.INDEX_FILE);
        byte[] bytes = Files.readAllBytes(index);
        for (int i = 0; i < 64; i++) {
            bytes[i] ^= (byte) 0x5A;
        }
        Files.write(index, bytes);
        StorageOpenException refused = assertThrows(StorageOpenException.class,
                () -> LogStorage.open(LogStorageTest.small(live)).close());
        assertEquals(index, refused.file());
        assertTrue(refused.getMessage().contains(index.toString()), refused.getMessage());
        assertFalse(refused.getMessage().contains("null"), refused.getMessage());
    }

    @Test
    void damagedChangeCounterFile_refusesToOpen() throws IOException {
        Path live = dir.resolve("live");
        LogStorage.open(LogStorageTest.small(live)).close();
        Path counter = live.resolve(ChangeCounter.FILE);
        flip(counter, 10);
        StorageOpenException refused = assertThrows(StorageOpenException.class,
                () -> LogStorage.open(LogStorageTest.small(live)).close());
        assertEquals(counter, refused.file());
    }

    // --- helpers ---

    /** The files a kill -9 leaves behind after {@code batches} acknowledged single-put batches. */
    private Path crashImage(int batches) throws IOException {
        Path live = dir.resolve("live");
        Path image = dir.resolve("image");
        try (LogStorage storage = LogStorage.open(LogStorageTest.small(live), NEVER)) {
            for (int i = 0; i < batches; i++) {
                storage.write(WriteBatch.builder().put("docs/" + i, null, "{\"i\":" + i + ",\"pad\":\"" + "x".repeat(40)
                        + "\"}", Etag.EMPTY).build());
            }
            CrashRecoveryTest.copy(live, image);
        }
        return image;
    }

    private Path copyOf(Path image, String name) throws IOException {
        Path copy = dir.resolve(name);
        CrashRecoveryTest.copy(image, copy);
        return copy;
    }

    private static byte[] payload(long seq, int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (seq * 31 + i);
        }
        return bytes;
    }

    private static void appendAll(WriteAheadLog log, long from, long to) throws IOException {
        for (long seq = from; seq <= to; seq++) {
            log.append(seq, payload(seq, 100));
        }
        log.sync();
    }

    /** The start of the record that holds {@code offset}. */
    private static long recordAt(List<Long> starts, long offset) {
        long start = 0;
        for (long s : starts) {
            if (s <= offset) {
                start = s;
            }
        }
        return start;
    }

    private static Map<Path, byte[]> files(Path root) throws IOException {
        Map<Path, byte[]> out = new LinkedHashMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted().toList()) {
                if (Files.isRegularFile(p)) {
                    out.put(root.relativize(p), Files.readAllBytes(p));
                }
            }
        }
        return out;
    }

    private static void assertFilesEqual(Map<Path, byte[]> expected, Map<Path, byte[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((path, bytes) -> assertArrayEquals(bytes, actual.get(path), "changed: " + path));
    }
}
