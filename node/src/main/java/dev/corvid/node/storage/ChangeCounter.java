package dev.corvid.node.storage;

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
 * Keeps a node's change counter (the last 8 bytes of its etags) from ever going backwards, across
 * clean restarts and crashes alike, even when a crash cut records off the end of the log.
 *
 * <p>Before the writer issues a change counter above the reserved one, it durably reserves the
 * next {@value #RESERVATION}. A clean close records the exact last counter; after a crash the node
 * goes on after the reservation instead, so it never issues again a counter a replica may already
 * have seen. The counters between the last one the log still holds and the reservation may have
 * been issued before the crash without being in this node's history any more: they are kept as a
 * lost range, so a replica claiming one of them is known to have diverged
 * ({@link Storage#canResumeFrom}).
 *
 * <p>The file {@value #FILE} in the data directory:
 * <pre>
 *   int   magic 'CVCC'        int   format version (1)
 *   byte  1 = closed cleanly  long  reserved change counter (the exact last one when closed cleanly)
 *   int   lost ranges         (long after, long through) per range: counters in (after, through]
 *   int   CRC32C of all the bytes before it
 * </pre>
 * It is replaced whole (written aside, synced, renamed over, directory synced), so a crash leaves
 * the old or the new version. Only the writer thread changes it, after {@code open}.
 */
final class ChangeCounter {

    private static final Logger log = LoggerFactory.getLogger(ChangeCounter.class);
    static final String FILE = "change-counter";
    /** Change counters reserved at a time: a crash skips at most this many; each reservation costs a file sync. */
    static final long RESERVATION = 1_000_000;
    /** Lost ranges kept (one is added per crash); beyond that the oldest is dropped. */
    static final int MAX_LOST_RANGES = 1024;
    private static final int MAGIC = 0x43564343;
    private static final int VERSION = 1;

    /** Change counters in {@code (after, through]} may have been issued and are not in this node's history. */
    record LostRange(long after, long through) {
        boolean contains(long change) {
            return change > after && change <= through;
        }
    }

    private final Path file;
    private final Path dir;
    private final long floor;
    private volatile List<LostRange> lost;
    // Writer thread only.
    private long reserved;

    private ChangeCounter(Path dir, long floor, List<LostRange> lost) {
        this.dir = dir;
        this.file = dir.resolve(FILE);
        this.floor = floor;
        this.lost = List.copyOf(lost);
    }

    /**
     * Reads the file (if any), decides where this run's counters start, records a lost range when
     * the last run crashed, and reserves the first counters of this run.
     *
     * @param recoveredLast the last change counter the index and the replayed log hold
     * @throws StorageOpenException when the file is damaged
     */
    static ChangeCounter open(Path dir, long recoveredLast) throws IOException {
        Path file = dir.resolve(FILE);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            bytes = null;
        }
        long floor = recoveredLast;
        List<LostRange> lost = new ArrayList<>();
        if (bytes != null) {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            boolean clean;
            long reserved;
            try {
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
                clean = in.get() == 1;
                reserved = in.getLong();
                int ranges = in.getInt();
                for (int i = 0; i < ranges; i++) {
                    lost.add(new LostRange(in.getLong(), in.getLong()));
                }
            } catch (RuntimeException e) {
                throw new StorageOpenException(file, "change counter file " + file + " is damaged (" + e.getMessage()
                        + "); without it the node could issue etags a replica already holds. " + LogRecovery.ADVICE, e);
            }
            if (recoveredLast > reserved) {
                log.warn("{}: the log holds change {} beyond the reserved {}; going on after the log", file,
                        recoveredLast, reserved);
            } else if (!clean && recoveredLast < reserved) {
                lost.add(new LostRange(recoveredLast, reserved));
                if (lost.size() > MAX_LOST_RANGES) {
                    lost.remove(0);
                }
                log.info("the last run did not stop cleanly: etags go on after change {} (the log ends at {}); a "
                        + "replica claiming a change between them is reported diverged", reserved, recoveredLast);
            }
            floor = Math.max(recoveredLast, reserved);
        }
        ChangeCounter counter = new ChangeCounter(dir, floor, lost);
        counter.reserve(floor);
        return counter;
    }

    /** The last change counter that may have been issued before this run: the writer goes on after it. */
    long floor() {
        return floor;
    }

    /** Whether {@code change} is one of this node's counters that may have been issued and lost in a crash. */
    boolean isLost(long change) {
        for (LostRange range : lost) {
            if (range.contains(change)) {
                return true;
            }
        }
        return false;
    }

    /** Makes sure {@code change} is reserved before it is used. Writer thread. */
    void ensureReserved(long change) throws IOException {
        if (change > reserved) {
            reserve(change);
        }
    }

    /** Records that the node stopped cleanly after issuing {@code lastChange}. Writer thread, at close. */
    void closeCleanly(long lastChange) throws IOException {
        write(true, lastChange);
    }

    private void reserve(long from) throws IOException {
        write(false, from + RESERVATION);
    }

    private void write(boolean clean, long counter) throws IOException {
        List<LostRange> ranges = lost;
        ByteBuffer out = ByteBuffer.allocate(4 + 4 + 1 + 8 + 4 + 16 * ranges.size() + 4);
        out.putInt(MAGIC).putInt(VERSION).put((byte) (clean ? 1 : 0)).putLong(counter).putInt(ranges.size());
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
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        }
        reserved = counter;
    }
}
