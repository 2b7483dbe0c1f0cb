package dev.corvid.node.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What the crash and corruption tests do to a node's write-ahead log files: find its segments and
 * records (read by walking the records' length fields, as the log's format in
 * {@code WriteAheadLog} says), and damage them.
 */
public final class LogFiles {

    private static final int HEADER = 16;

    private LogFiles() {
    }

    /** The segment files of a log directory, in sequence order. */
    public static List<Path> segments(Path wal) throws IOException {
        try (Stream<Path> files = Files.list(wal)) {
            return files.filter(p -> p.getFileName().toString().matches("\\d{20}\\.wal")).sorted().toList();
        }
    }

    /** The newest segment that holds any record. */
    public static Path newestSegmentWithData(Path wal) throws IOException {
        List<Path> all = segments(wal);
        for (int i = all.size() - 1; i >= 0; i--) {
            if (endOfData(all.get(i)) > 0) {
                return all.get(i);
            }
        }
        throw new AssertionError("no log segment with records in " + wal);
    }

    /** The offset after the last non-zero byte: where the records of a preallocated segment end. */
    public static long endOfData(Path segment) throws IOException {
        byte[] bytes = Files.readAllBytes(segment);
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] == 0) {
            end--;
        }
        return end;
    }

    /** Byte offsets where the records of a segment start. */
    public static List<Long> recordStarts(Path segment) throws IOException {
        ByteBuffer all = ByteBuffer.wrap(Files.readAllBytes(segment));
        List<Long> starts = new ArrayList<>();
        for (int pos = 0; pos + HEADER <= all.limit() && (all.getInt(pos) != 0 || all.getLong(pos + 8) != 0);
                pos += HEADER + all.getInt(pos)) {
            starts.add((long) pos);
        }
        return starts;
    }

    /** The sequence number of the last record of a segment, or -1 when it holds none. */
    public static long lastSeq(Path segment) throws IOException {
        List<Long> starts = recordStarts(segment);
        if (starts.isEmpty()) {
            return -1;
        }
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ)) {
            ch.read(header, starts.get(starts.size() - 1));
        }
        return header.getLong(8);
    }

    /** Flips one bit of the byte at {@code offset}, as a failing disk would. */
    public static void flip(Path file, long offset) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, offset);
            b.put(0, (byte) (b.get(0) ^ 0x10)).position(0);
            ch.write(b, offset);
        }
    }
}
