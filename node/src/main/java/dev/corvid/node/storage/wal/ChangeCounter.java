package dev.corvid.node.storage.wal;

import dev.corvid.node.storage.Storage;
import dev.corvid.node.storage.StorageOpenException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a node's change counter (the last 8 bytes of its etags, and what the replication protocol
 * resumes from) from ever going backwards, even when records were cut off its log.
 *
 * <p>A {@code kill -9} loses no synced record, and only synced records were ever acknowledged or
 * replicated, so after an ordinary crash the counter simply goes on after the last one the log
 * holds (the restart counter in the etag keeps the etags unique even so). But when recovery cut a
 * damaged last record, or an operator cut a corrupt log ({@code repair-log}), counters a replica
 * may hold are gone from the log. For that case the writer reserves counters ahead: before it
 * issues one above the reservation, it durably reserves the next {@value #RESERVATION}. After a
 * cut the node goes on after the reservation, and keeps the counters between the last one its log
 * holds and the reservation as a <em>lost range</em>: a replica claiming one of them has a version
 * this node lost, and is reported diverged ({@link Storage#canResumeFrom}).
 *
 * <p>The file {@value #FILE} in the data directory:
 * <pre>
 *   int   magic 'CVCC'        int   format version (1)
 *   byte  state: 0 running, 1 closed cleanly, 2 log cut by an operator
 *   long  reserved change counter (the exact last one when closed cleanly)
 *   int   lost ranges         (long after, long through) per range: counters in (after, through]
 *   int   CRC32C of all the bytes before it
 * </pre>
 * It is replaced whole (written aside, synced, renamed over, directory synced), so a crash leaves
 * the old or the new version. Only the writer thread changes it, after {@code open}.
 */
public final class ChangeCounter {

    private static final Logger log = LoggerFactory.getLogger(ChangeCounter.class);
    /** The file's name in the data directory. */
    public static final String FILE = "change-counter";
    /** Change counters reserved at a time: a cut log skips at most this many; each reservation costs a file sync. */
    static final long RESERVATION = 1_000_000;
    /** Lost ranges kept (one is added per cut log); beyond that the oldest is dropped. */
    static final int MAX_LOST_RANGES = 1024;
    private static final int MAGIC = 0x43564343;
    private static final int VERSION = 1;
    private static final byte RUNNING = 0;
    private static final byte CLOSED = 1;
    private static final byte CUT = 2;

    /** Change counters in {@code (after, through]} may have been issued and are not in this node's history. */
    record LostRange(long after, long through) {
        boolean contains(long change) {
            return change > after && change <= through;
        }
    }

    private final Path file;
    private final Path dir;
    private final long floor;
    private final List<LostRange> lost;
    // Writer thread only.
    private long reserved;

    private ChangeCounter(Path dir, long floor, List<LostRange> lost) {
        this.dir = dir;
        this.file = dir.resolve(FILE);
        this.floor = floor;
        this.lost = List.copyOf(lost);
    }

    /** What the file holds. */
    private record Saved(byte state, long reserved, List<LostRange> lost) {
    }

    /**
     * Reads the file (if any), decides where this run's counters start, records a lost range when
     * records were cut from the log, and reserves the first counters of this run.
     *
     * @param recoveredLast the last change counter the index and the replayed log hold
     * @param logCut        whether recovery just cut a damaged last record off the log
     * @throws StorageOpenException when the file is damaged
     */
    public static ChangeCounter open(Path dir, long recoveredLast, boolean logCut) throws IOException {
        Path file = dir.resolve(FILE);
        Saved saved = read(file);
        long floor = recoveredLast;
        List<LostRange> lost = new ArrayList<>();
        if (saved != null) {
            lost.addAll(saved.lost());
            boolean cut = saved.state() == CUT || saved.state() == CLOSED && recoveredLast < saved.reserved()
                    || saved.state() == RUNNING && logCut;
            if (recoveredLast > saved.reserved()) {
                log.warn("{}: the log holds change {} beyond the reserved {}; going on after the log", file,
                        recoveredLast, saved.reserved());
            } else if (cut && recoveredLast < saved.reserved()) {
                lost.add(new LostRange(recoveredLast, saved.reserved()));
                if (lost.size() > MAX_LOST_RANGES) {
                    lost.remove(0);
                }
                floor = saved.reserved();
                log.warn("records were cut from the log, which now ends at change {}: etags go on after change {}, "
                        + "and a replica holding a change between them is reported diverged", recoveredLast, floor);
            }
        }
        ChangeCounter counter = new ChangeCounter(dir, floor, lost);
        counter.reserve(floor);
        return counter;
    }

    /**
     * Records that an operator cut the log of a stopped node, so that its next start goes on after
     * every counter it may have issued and keeps the ones it lost as a lost range.
     *
     * @param lastKnown the last change counter known to have been issued when there is no file yet
     */
    public static void markCut(Path dir, long lastKnown) throws IOException {
        Saved saved = read(dir.resolve(FILE));
        ChangeCounter counter = new ChangeCounter(dir, 0, saved == null ? List.of() : saved.lost());
        counter.write(CUT, saved == null ? lastKnown + RESERVATION : saved.reserved());
    }

    private static Saved read(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            int body = bytes.length - 4;
            CRC32C crc = new CRC32C();
            crc.update(bytes, 0, Math.max(0, body));
            if (body < 21 || in.getInt(0) != MAGIC || in.getInt(body) != (int) crc.getValue()) {
                throw new IllegalStateException("bad magic, length or checksum");
            }
            in.position(4);
            int version = in.getInt();
            if (version != VERSION) {
                throw new IllegalStateException("format version " + version + ", this node reads " + VERSION);
            }
            byte state = in.get();
            long reserved = in.getLong();
            int ranges = in.getInt();
            List<LostRange> lost = new ArrayList<>();
            for (int i = 0; i < ranges; i++) {
                lost.add(new LostRange(in.getLong(), in.getLong()));
            }
            return new Saved(state, reserved, lost);
        } catch (RuntimeException e) {
            throw new StorageOpenException(file, "change counter file " + file + " is damaged (" + e.getMessage()
                    + "); without it the node could issue etags a replica already holds. " + LogRecovery.ADVICE, e);
        }
    }

    /** Where this run's change counters start: the writer goes on after it. */
    public long floor() {
        return floor;
    }

    /** Whether {@code change} is one of this node's counters that may have been issued and then cut from its log. */
    public boolean isLost(long change) {
        for (LostRange range : lost) {
            if (range.contains(change)) {
                return true;
            }
        }
        return false;
    }

    /** Makes sure {@code change} is reserved before it is used. Writer thread. */
    public void ensureReserved(long change) throws IOException {
        if (change > reserved) {
            reserve(change);
        }
    }

    /** Records that the node stopped cleanly after issuing {@code lastChange}. Writer thread, at close. */
    public void closeCleanly(long lastChange) throws IOException {
        write(CLOSED, lastChange);
    }

    private void reserve(long from) throws IOException {
        write(RUNNING, from + RESERVATION);
    }

    private void write(byte state, long counter) throws IOException {
        List<LostRange> ranges = lost;
        ByteBuffer out = ByteBuffer.allocate(4 + 4 + 1 + 8 + 4 + 16 * ranges.size() + 4);
        out.putInt(MAGIC).putInt(VERSION).put(state).putLong(counter).putInt(ranges.size());
        for (LostRange r : ranges) {
            out.putLong(r.after()).putLong(r.through());
        }
        CRC32C crc = new CRC32C();
        crc.update(out.array(), 0, out.position());
        out.putInt((int) crc.getValue());
        out.flip();
        Path tmp = dir.resolve(FILE + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            while (out.hasRemaining()) {
                ch.write(out);
            }
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        WriteAheadLog.syncDirectory(dir);
        reserved = counter;
    }
}
