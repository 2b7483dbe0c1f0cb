package dev.corvid.node.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only log that makes a batch durable before it is acknowledged. MapDB holds the same
 * data as a checkpointed index; after a crash, the log entries past the checkpoint are replayed.
 *
 * <p>Files are segments named by the sequence number of their first record. A record is
 * <pre>
 *   int    payload length
 *   int    CRC32C of the sequence number and the payload
 *   long   sequence number (strictly increasing across segments)
 *   bytes  payload
 * </pre>
 * A record whose length, checksum or sequence is wrong marks a torn tail left by a crash: it and
 * everything after it are cut off on {@link #replay}. Only records that were synced were ever
 * acknowledged, so nothing acknowledged is cut.
 *
 * <p>Not thread-safe: used by the storage writer thread only (and by {@code open} before it starts).
 */
final class WriteAheadLog implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(WriteAheadLog.class);
    private static final String SUFFIX = ".wal";
    private static final int HEADER = 16;
    static final int MAX_RECORD = 512 * 1024 * 1024;

    /** Receives replayed records. */
    interface Replayer {
        void apply(long seq, byte[] payload) throws IOException;
    }

    private final Path dir;
    private FileChannel current;
    private Path currentPath;
    private ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);

    WriteAheadLog(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    /**
     * Feeds every intact record with a sequence number above {@code after} to {@code replayer}, in
     * order, and cuts off a torn tail. Call once, before {@link #startSegment}.
     *
     * @return the last sequence number found, or {@code after} when there is none past it
     */
    long replay(long after, Replayer replayer) throws IOException {
        long last = after;
        long expectedNext = -1;
        List<Path> segments = segments();
        for (int s = 0; s < segments.size(); s++) {
            Path segment = segments.get(s);
            long validEnd = 0;
            boolean torn = false;
            try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ)) {
                long size = ch.size();
                ByteBuffer header = ByteBuffer.allocate(HEADER);
                while (validEnd < size) {
                    header.clear();
                    if (!readFully(ch, header, validEnd)) {
                        torn = true;
                        break;
                    }
                    header.flip();
                    int length = header.getInt();
                    int crc = header.getInt();
                    long seq = header.getLong();
                    if (length < 0 || length > MAX_RECORD || validEnd + HEADER + length > size
                            || (expectedNext >= 0 && seq != expectedNext)) {
                        torn = true;
                        break;
                    }
                    ByteBuffer payload = ByteBuffer.allocate(length);
                    if (!readFully(ch, payload, validEnd + HEADER) || crc != checksum(seq, payload.array())) {
                        torn = true;
                        break;
                    }
                    if (seq > after) {
                        replayer.apply(seq, payload.array());
                        last = seq;
                    }
                    expectedNext = seq + 1;
                    validEnd += HEADER + length;
                }
            }
            if (torn) {
                log.warn("write-ahead log {}: torn tail after byte {}, cutting it off (unacknowledged writes of a crash)",
                        segment.getFileName(), validEnd);
                try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
                    ch.truncate(validEnd);
                    ch.force(true);
                }
                for (Path later : segments.subList(s + 1, segments.size())) {
                    log.warn("write-ahead log {}: follows a torn tail, deleting it", later.getFileName());
                    Files.delete(later);
                }
                break;
            }
        }
        return last;
    }

    /** Starts a new segment whose first record will have sequence number {@code firstSeq}. */
    void startSegment(long firstSeq) throws IOException {
        if (current != null) {
            flushBuffer();
            current.force(false);
            current.close();
        }
        currentPath = dir.resolve(String.format("%020d%s", firstSeq, SUFFIX));
        current = FileChannel.open(currentPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        syncDirectory();
    }

    /** Buffers a record; it is durable only after {@link #sync}. */
    void append(long seq, byte[] payload) throws IOException {
        if (payload.length > MAX_RECORD) {
            throw new IOException("log record of " + payload.length + " bytes exceeds " + MAX_RECORD);
        }
        int need = HEADER + payload.length;
        if (buffer.remaining() < need) {
            flushBuffer();
            if (buffer.capacity() < need) {
                buffer = ByteBuffer.allocateDirect(Integer.highestOneBit(need) << 1);
            }
        }
        buffer.putInt(payload.length).putInt(checksum(seq, payload)).putLong(seq).put(payload);
    }

    /** Writes buffered records and forces them to disk. */
    void sync() throws IOException {
        flushBuffer();
        current.force(false);
    }

    /** Bytes in the current segment, synced or not. */
    long currentSegmentBytes() throws IOException {
        return current.size() + buffer.position();
    }

    /** Deletes every segment but the current one: their records are all in a checkpoint. */
    void deleteOlderSegments() throws IOException {
        for (Path segment : segments()) {
            if (!segment.equals(currentPath)) {
                Files.delete(segment);
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (current != null) {
            flushBuffer();
            current.force(false);
            current.close();
            current = null;
        }
    }

    private void flushBuffer() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            current.write(buffer);
        }
        buffer.clear();
    }

    private List<Path> segments() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return new ArrayList<>(files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList());
        }
    }

    private void syncDirectory() throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    private static boolean readFully(FileChannel ch, ByteBuffer into, long position) throws IOException {
        long pos = position;
        while (into.hasRemaining()) {
            int n = ch.read(into, pos);
            if (n < 0) {
                return false;
            }
            pos += n;
        }
        return true;
    }

    static int checksum(long seq, byte[] payload) {
        CRC32C crc = new CRC32C();
        ByteBuffer s = ByteBuffer.allocate(8).putLong(0, seq);
        crc.update(s);
        crc.update(payload);
        return (int) crc.getValue();
    }
}
