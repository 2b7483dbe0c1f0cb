package dev.corvid.node.storage.wal;

import dev.corvid.node.storage.StorageOpenException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

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
 * Only an incomplete or damaged last record of the last segment is taken for the torn tail of a
 * crash and cut off on {@link #replay}; damage anywhere else refuses to open (see
 * {@link LogRecovery}).
 *
 * <p>Segments are preallocated (a file written with zeros, or a segment a checkpoint made redundant,
 * recycled by overwriting it with zeros) and then overwritten in place. So a sync changes no file
 * metadata: on ext4 it flushes just this file's pages instead of waiting for a journal commit that
 * also carries the index's dirty data. That is the difference between about 3,000 and 9,000 syncs
 * a second on this kind of disk. Because a recycled file is zeroed first, only zeros follow the
 * last record a segment's current life wrote: any other byte there is a torn write or damage.
 *
 * <p>Appending and writing belong to the storage writer thread (and to {@code open} before it
 * starts). {@link #force} may run on another thread while the writer appends and writes the next
 * records, but never while the segment changes. Segment changes ({@link #startSegment},
 * {@link #retireSegmentsUpTo}, the rename in {@link #prepareSpare}) are synchronized, as the index
 * flusher retires segments while the writer appends.
 */
public final class WriteAheadLog implements AutoCloseable {

    private static final String SUFFIX = ".wal";
    private static final String SPARE = "spare.wal.tmp";
    /** A retired segment waiting to be zeroed and become the spare. */
    private static final String RECYCLED = "spare.wal.recycled";
    /** Written over new and recycled segments; never changed, so threads share it through duplicates. */
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 20).asReadOnlyBuffer();
    /** Bytes of a record's header: length, checksum and sequence number. */
    public static final int HEADER = 16;
    static final int MAX_RECORD = 512 * 1024 * 1024;

    /** Receives replayed records. */
    public interface Replayer {
        void apply(long seq, byte[] payload) throws IOException;
    }

    private final Path dir;
    private final long segmentBytes;
    private FileChannel current;
    private Path currentPath;
    /** Where the next record goes in the current segment; the file may be longer (preallocated). */
    private long position;
    private ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);

    /** @param segmentBytes the size segments are preallocated to; records past it grow the file */
    public WriteAheadLog(Path dir, long segmentBytes) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.segmentBytes = segmentBytes;
    }

    /**
     * Feeds every intact record with a sequence number above {@code after} to {@code replayer}, in
     * order, and cuts off a torn tail (see {@link LogRecovery} for what counts as one). Call once,
     * before {@link #startSegment}.
     *
     * @throws StorageOpenException when the log is corrupt, or records after {@code after} are missing
     */
    public LogRecovery.Result replay(long after, Replayer replayer) throws IOException {
        return LogRecovery.replay(dir, segments(dir), after, replayer);
    }

    /**
     * Starts a new segment whose first record will have sequence number {@code firstSeq}: the spare
     * (a recycled segment) if there is one, else a freshly zero-filled file.
     */
    public synchronized void startSegment(long firstSeq) throws IOException {
        if (current != null) {
            flushBuffer();
            current.force(false);
            current.close();
        }
        currentPath = dir.resolve(String.format("%020d%s", firstSeq, SUFFIX));
        Path spare = dir.resolve(SPARE);
        if (Files.exists(spare)) {
            Files.move(spare, currentPath, StandardCopyOption.ATOMIC_MOVE);
        } else {
            preallocate(currentPath);
        }
        current = FileChannel.open(currentPath, StandardOpenOption.WRITE);
        position = 0;
        syncDirectory();
    }

    /**
     * Makes sure a spare segment exists, so the next {@link #startSegment} needs no zero-filling:
     * zeroes the recycled segment in place, or writes a new file of zeros. The zeroing runs outside
     * the segment lock, so the writer can start a segment meanwhile. One thread at a time: the
     * index flusher's, after its start and after each commit.
     */
    public void prepareSpare() throws IOException {
        Path spare = dir.resolve(SPARE);
        if (Files.exists(spare)) {
            return;
        }
        Path recycled = dir.resolve(RECYCLED);
        Path ready = zeroed(Files.exists(recycled) ? recycled : dir.resolve(SPARE + ".zeroing"));
        synchronized (this) {
            Files.move(ready, spare, StandardCopyOption.ATOMIC_MOVE);
            syncDirectory();
        }
    }

    private void preallocate(Path file) throws IOException {
        Files.move(zeroed(dir.resolve(file.getFileName() + ".zeroing")), file, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Makes {@code file} (created if missing, else overwritten in place) the segment size of zeros,
     * synced, and returns it.
     */
    private Path zeroed(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            if (ch.size() > segmentBytes) {
                ch.truncate(segmentBytes);
            }
            for (long written = 0; written < segmentBytes; ) {
                ByteBuffer zeros = ZEROS.duplicate();
                zeros.limit((int) Math.min(zeros.capacity(), segmentBytes - written));
                written += ch.write(zeros, written);
            }
            ch.force(true);
        }
        return file;
    }

    /** Buffers a record; it is durable only after {@link #sync}. */
    public void append(long seq, byte[] payload) throws IOException {
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
    public void sync() throws IOException {
        write();
        force();
    }

    /** Hands the buffered records to the file; they are durable only after the next {@link #force}. */
    public void write() throws IOException {
        flushBuffer();
    }

    /**
     * Forces every record written so far to disk. May run concurrently with {@link #append} and
     * {@link #write} of later records (which it may or may not cover), not with a segment change.
     */
    public void force() throws IOException {
        beforeForce.run();
        current.force(false);
    }

    /**
     * Runs on the thread that forces the log, just before each force: nothing, unless a
     * {@linkplain FaultInjection fault} is switched on or a test sets a hook.
     */
    private volatile Runnable beforeForce = FaultInjection.beforeLogSync();

    /** Tests only: {@code hook} runs on the thread that forces the log, just before each force. */
    public void beforeForce(Runnable hook) {
        beforeForce = hook;
    }

    /** Bytes of records in the current segment, synced or not. */
    public long currentSegmentBytes() {
        return position + buffer.position();
    }

    /**
     * Retires the segments whose records all have sequence numbers up to {@code seq} (they are in
     * a checkpoint); the current segment is never retired. One is kept to be recycled as the spare
     * for the next segment ({@link #prepareSpare}), the rest are deleted.
     */
    public synchronized void retireSegmentsUpTo(long seq) throws IOException {
        Path spare = dir.resolve(SPARE);
        Path recycled = dir.resolve(RECYCLED);
        List<Path> segments = segments();
        for (int i = 0; i + 1 < segments.size(); i++) {
            Path segment = segments.get(i);
            long lastSeqInSegment = firstSeqOf(segments.get(i + 1)) - 1;
            if (segment.equals(currentPath) || lastSeqInSegment > seq) {
                break;
            }
            if (!Files.exists(spare) && !Files.exists(recycled) && Files.size(segment) >= segmentBytes) {
                Files.move(segment, recycled, StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.delete(segment);
            }
        }
    }

    @Override
    public synchronized void close() throws IOException {
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
            position += current.write(buffer, position);
        }
        buffer.clear();
    }

    static long firstSeqOf(Path segment) {
        String name = segment.getFileName().toString();
        return Long.parseLong(name.substring(0, name.length() - SUFFIX.length()));
    }

    private List<Path> segments() throws IOException {
        return segments(dir);
    }

    /** The segment files of a log directory, in sequence order. */
    public static List<Path> segments(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return new ArrayList<>(files.filter(p -> p.getFileName().toString().matches("\\d{20}\\.wal")).sorted().toList());
        }
    }

    private void syncDirectory() throws IOException {
        syncDirectory(dir);
    }

    /** Makes the directory's entries (files created, renamed, deleted) durable. */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
    }

    static int checksum(long seq, byte[] payload) {
        CRC32C crc = new CRC32C();
        ByteBuffer s = ByteBuffer.allocate(8).putLong(0, seq);
        crc.update(s);
        crc.update(payload);
        return (int) crc.getValue();
    }
}
