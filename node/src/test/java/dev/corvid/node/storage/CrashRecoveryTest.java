package dev.corvid.node.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.node.testing.LogFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash images: the files of an open storage, copied while it runs, are what a {@code kill -9}
 * leaves behind. Cutting the log at every offset stands for a crash in the middle of a write.
 */
class CrashRecoveryTest {

    /** No checkpoints after open, so the index file is stable while the test copies it. */
    private static final CheckpointPolicy NEVER =
            new CheckpointPolicy(Integer.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE);

    @TempDir
    Path dir;

    @Test
    void crashImage_replaysEveryAcknowledgedBatch() throws IOException {
        Path image = dir.resolve("image");
        List<Etag> acknowledged = new ArrayList<>();
        try (LogStorage storage = LogStorage.open(LogStorageTest.small(dir.resolve("live")), NEVER)) {
            for (int i = 0; i < 50; i++) {
                acknowledged.add(storage.write(WriteBatch.builder()
                        .put("docs/" + i, null, "{\"i\":" + i + "}", Etag.EMPTY).build()).get(0).etag());
            }
            storage.write(WriteBatch.builder().delete("docs/7", null).build());
            copy(dir.resolve("live"), image);
        }
        try (LogStorage recovered = LogStorage.open(LogStorageTest.small(image))) {
            assertEquals(49, recovered.documentCount());
            for (int i = 0; i < 50; i++) {
                if (i != 7) {
                    assertEquals(acknowledged.get(i), recovered.get("docs/" + i).orElseThrow().etag());
                }
            }
            assertTrue(recovered.get("docs/7").isEmpty());
            Etag next = recovered.write(WriteBatch.builder().put("docs/new", null, "{}", null).build()).get(0).etag();
            assertTrue(next.compareTo(recovered.changesAfter(Etag.EMPTY, 100).get(48).etag()) > 0);
        }
    }

    /**
     * Recovery writes each replayed document to MapDB once, at its latest version, and keeps
     * every collection a document was ever stored in, also one it has since left.
     */
    @Test
    void crashImage_replaysADocumentSavedManyTimes_andKeepsTheCollectionsItLeft() throws IOException {
        Path image = dir.resolve("image");
        try (LogStorage storage = LogStorage.open(LogStorageTest.small(dir.resolve("live")), NEVER)) {
            for (int n = 1; n <= 100; n++) {
                storage.write(WriteBatch.builder().put("hot/1", null, "{\"n\":" + n + "}", null).build());
            }
            storage.write(WriteBatch.builder().put("moving/1", "{\"@collection\":\"Alphas\"}", "{}", null).build());
            storage.write(WriteBatch.builder().put("moving/1", "{\"@collection\":\"Betas\"}", "{}", null).build());
            copy(dir.resolve("live"), image);
        }
        try (LogStorage recovered = LogStorage.open(LogStorageTest.small(image))) {
            assertEquals("{\"n\":100}", recovered.get("hot/1").orElseThrow().bodyJson().toStringUtf8());
            assertEquals(0, recovered.query(new Query("Alphas", List.of(), List.of(), 0, 10)).totalResults());
            assertEquals(1, recovered.query(new Query("Betas", List.of(), List.of(), 0, 10)).totalResults());
        }
        // And after recovery's own MapDB commit, without the log: a clean reopen.
        try (LogStorage reopened = LogStorage.open(LogStorageTest.small(image))) {
            assertEquals(0, reopened.query(new Query("Alphas", List.of(), List.of(), 0, 10)).totalResults());
            assertEquals("{\"n\":100}", reopened.get("hot/1").orElseThrow().bodyJson().toStringUtf8());
        }
    }

    @Test
    void logCutAtAnyOffset_opensWithWholeBatchesOnly() throws IOException {
        Path live = dir.resolve("live");
        Path image = dir.resolve("image");
        int batches = 6;
        try (LogStorage storage = LogStorage.open(LogStorageTest.small(live), NEVER)) {
            for (int b = 0; b < batches; b++) {
                storage.write(WriteBatch.builder()
                        .put("a/" + b, null, "{\"b\":" + b + "}", null)
                        .put("b/" + b, null, "{\"b\":" + b + "}", null)
                        .build());
            }
            copy(live, image);
        }
        Path segment = onlySegment(image.resolve("wal"));
        long size = endOfData(segment) + 20;
        int previousBatches = -1;
        for (long cut = 0; cut <= size; cut += cut + 40 >= size ? 1 : 11) {
            Path trial = dir.resolve("trial-" + cut);
            copy(image, trial);
            try (FileChannel ch = FileChannel.open(onlySegment(trial.resolve("wal")), StandardOpenOption.WRITE)) {
                ch.truncate(cut);
            }
            try (LogStorage recovered = LogStorage.open(LogStorageTest.small(trial))) {
                int present = 0;
                for (int b = 0; b < batches; b++) {
                    boolean a = recovered.get("a/" + b).isPresent();
                    assertEquals(a, recovered.get("b/" + b).isPresent(), "batch " + b + " applied in part at cut " + cut);
                    if (a) {
                        assertEquals(b, present, "batches must survive as a prefix, cut " + cut);
                        present++;
                    }
                }
                assertTrue(present >= previousBatches, "a longer log lost a batch at cut " + cut);
                previousBatches = present;
                Etag before = recovered.lastEtag();
                Etag next = recovered.write(WriteBatch.builder().put("z", null, "{}", null).build()).get(0).etag();
                assertTrue(before == null || next.compareTo(before) > 0, next + " <= " + before);
            }
            deleteTree(trial);
        }
        assertEquals(batches, previousBatches);
    }

    @Test
    void garbageAfterTheLastRecord_isCutOff() throws IOException {
        Path live = dir.resolve("live");
        Path image = dir.resolve("image");
        try (LogStorage storage = LogStorage.open(LogStorageTest.small(live), NEVER)) {
            storage.write(WriteBatch.builder().put("a", null, "{}", null).build());
            copy(live, image);
        }
        Path segment = onlySegment(image.resolve("wal"));
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {0, 0, 1, 0, 42, 42, 42, 42, 0, 0, 0, 0, 0, 0, 0, 9, 1, 2, 3}),
                    endOfData(segment));
        }
        try (LogStorage recovered = LogStorage.open(LogStorageTest.small(image))) {
            assertTrue(recovered.get("a").isPresent());
            recovered.write(WriteBatch.builder().put("b", null, "{}", null).build());
        }
        try (LogStorage reopened = LogStorage.open(LogStorageTest.small(image))) {
            assertEquals(2, reopened.documentCount());
        }
    }

    static Path onlySegment(Path wal) throws IOException {
        try (Stream<Path> files = Files.list(wal)) {
            List<Path> segments = files.filter(p -> p.toString().endsWith(".wal")).sorted().toList();
            assertEquals(1, segments.size(), "segments: " + segments);
            return segments.get(0);
        }
    }

    static long endOfData(Path segment) throws IOException {
        return LogFiles.endOfData(segment);
    }

    static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : new TreeSet<>(files.toList()).descendingSet()) {
                Files.delete(p);
            }
        }
    }
}
