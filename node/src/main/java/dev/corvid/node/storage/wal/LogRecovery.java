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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the write-ahead log back when storage opens, and tells a torn tail from corruption.
 *
 * <p>The rules, in the spirit of etcd's WAL (a CRC mismatch is fatal; only an unexpected end at the
 * tail is repaired):
 * <ul>
 * <li>Every segment but the last must hold every record from the sequence number in its name up to
 *     the one before the next segment's: the writer syncs a segment before it starts the next, so a
 *     segment followed by one that continues its sequence ended cleanly, whatever stale bytes a
 *     recycled file holds after its last record. A record it cannot read before that point is
 *     corruption.
 * <li>In the last segment, reading stops at the first record that is not intact. If only zeros
 *     follow (preallocated space), the log simply ends there. If an intact record with a later
 *     sequence number follows anywhere after it, the damage is inside the log: corruption. If an
 *     intact record of the file's earlier life is there (a recycled segment: its sequence numbers
 *     are below the segment's), the log ends cleanly too. Else the bytes from there on are one
 *     incomplete or damaged last record — the write a crash interrupted — and what a recycled file
 *     held after it: they are cut off.
 * <li>Corruption refuses to open, naming the file, the byte offset, the record and what to do;
 *     nothing on disk is changed. The first segment must start no later than one past the
 *     checkpoint, or records the index does not hold are missing: refused too.
 * </ul>
 * Damage in records the checkpoint already holds (at or below {@code after}) loses nothing: it is
 * logged and skipped.
 */
public final class LogRecovery {

    private static final Logger log = LoggerFactory.getLogger(LogRecovery.class);
    /** A record found after damage counts as a later record of this log if its sequence number is this close. */
    private static final long PLAUSIBLE_SEQUENCE_SPAN = 1L << 32;
    private static final int SCAN_CHUNK = 8 << 20;
    /** What an operator can do when storage refuses to open; ends every such message. */
    public static final String ADVICE = "Nothing was changed on disk. On a replica: stop it, move its data directory aside "
            + "and start it empty; it copies everything from the master again. On the master: keep the data "
            + "directory for analysis and follow 'A node that refuses to start' in docs/reliability.md.";

    /**
     * What recovery found: the last sequence number read, how many bytes of torn tail it cut (or,
     * when repairing, of damaged log it moved aside) and the record where it cut; what it moved
     * aside when repairing.
     */
    public record Result(long lastSeq, long bytesCut, long cutAtSeq, String repaired) {
        Result(long lastSeq, long bytesCut, long cutAtSeq) {
            this(lastSeq, bytesCut, cutAtSeq, null);
        }
    }

    private LogRecovery() {
    }

    /**
     * Feeds every intact record with a sequence number above {@code after} to {@code replayer}, in
     * order, and cuts off a torn tail of the last segment.
     *
     * @param segments the segment files, in sequence order
     * @throws StorageOpenException when the log is corrupt or records after {@code after} are missing
     */
    static Result replay(Path dir, List<Path> segments, long after, WriteAheadLog.Replayer replayer)
            throws IOException {
        return replay(dir, segments, after, replayer, null);
    }

    /**
     * {@link #replay} that, instead of refusing on corruption, cuts the log at the first damaged
     * record: the damaged segment is copied to {@code quarantine} and cut there, and every later
     * segment is moved to {@code quarantine}. What was after the damage is lost to this node. For
     * an operator who accepts that loss (see docs/reliability.md); a gap in the sequence before the
     * checkpoint still refuses.
     */
    public static Result repair(Path dir, List<Path> segments, long after, Path quarantine) throws IOException {
        return replay(dir, segments, after, (seq, payload) -> { }, quarantine);
    }

    private static Result replay(Path dir, List<Path> segments, long after, WriteAheadLog.Replayer replayer,
                                 Path quarantine) throws IOException {
        if (segments.isEmpty()) {
            if (after > 0) {
                throw new StorageOpenException(dir, "write-ahead log " + dir + " holds no segment, but the index "
                        + "covers only the log up to record " + after + ": the log was deleted, and with it every "
                        + "write since the last checkpoint. " + ADVICE);
            }
            return new Result(after, 0, 0);
        }
        long first = WriteAheadLog.firstSeqOf(segments.get(0));
        if (first > after + 1) {
            throw new StorageOpenException(segments.get(0), "write-ahead log segment " + segments.get(0)
                    + " starts at record " + first + ", but the index covers only the log up to record " + after
                    + ": records " + (after + 1) + " to " + (first - 1) + " are missing. " + ADVICE);
        }
        long last = after;
        for (int s = 0; s < segments.size(); s++) {
            Path segment = segments.get(s);
            boolean isLast = s == segments.size() - 1;
            long through = isLast ? Long.MAX_VALUE : WriteAheadLog.firstSeqOf(segments.get(s + 1)) - 1;
            try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                long size = ch.size();
                long expected = WriteAheadLog.firstSeqOf(segment);
                long pos = 0;
                String damage = null;
                while (expected <= through) {
                    Read r = read(ch, size, pos, expected);
                    if (r.damage != null) {
                        damage = r.damage;
                        break;
                    }
                    if (r.seq > after) {
                        replayer.apply(r.seq, r.payload);
                        last = r.seq;
                    }
                    expected++;
                    pos += WriteAheadLog.HEADER + r.payload.length;
                }
                if (damage == null) {
                    continue;
                }
                if (!isLast) {
                    if (through <= after) {
                        log.warn("write-ahead log segment {}: record {} at byte {} is damaged ({}); the checkpoint "
                                + "already holds it and the rest of the segment, so nothing is lost", segment,
                                expected, pos, damage);
                        continue;
                    }
                    return corrupt(ch, segments, s, pos, last, expected, quarantine, "the log goes on in "
                            + segments.get(s + 1).getFileName() + " from record " + (through + 1), damage);
                }
                long lastData = lastNonZero(ch, pos, size);
                if (lastData < 0) {
                    continue; // only zeros follow: the preallocated end of the log
                }
                long later = findRecord(ch, size, pos + 1, lastData, expected);
                if (later < 0 && isStale(ch, size, pos, WriteAheadLog.firstSeqOf(segment))) {
                    log.debug("write-ahead log segment {} ends at byte {}; a recycled file's earlier records follow",
                            segment, pos);
                    continue;
                }
                if (later >= 0) {
                    return corrupt(ch, segments, s, pos, last, expected, quarantine,
                            "an intact later record starts at byte " + later, damage);
                }
                long cut = lastData + 1 - pos;
                log.warn("write-ahead log segment {}: record {} at byte {} is incomplete or damaged ({}); cutting off "
                                + "the {} bytes from there to the last non-zero byte. A crash while writing it leaves "
                                + "this, and then it was never acknowledged; if it was acknowledged, this node lost it, "
                                + "and a replica that has it is reported diverged", segment, expected, pos, damage, cut);
                ch.truncate(pos);
                ch.force(true);
                return new Result(last, cut, expected);
            }
        }
        return new Result(last, 0, 0);
    }

    /**
     * Damage at {@code pos} of segment {@code s} with {@code evidence} of more log after it: refuses
     * to open, or, when repairing, keeps a copy of the segment, cuts it at {@code pos} and moves every
     * later segment aside.
     */
    private static Result corrupt(FileChannel ch, List<Path> segments, int s, long pos, long last, long cutAtSeq,
                                  Path quarantine, String evidence, String damage) throws IOException {
        Path segment = segments.get(s);
        String corrupt = "write-ahead log segment " + segment + " is corrupt: record " + cutAtSeq + " at byte " + pos
                + " is damaged (" + damage + "), but " + evidence + ", so the damage is inside the log, not a torn tail.";
        if (quarantine == null) {
            throw new StorageOpenException(segment, corrupt + " " + ADVICE);
        }
        Files.createDirectories(quarantine);
        long size = ch.size();
        Files.copy(segment, quarantine.resolve(segment.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
        List<Path> moved = new ArrayList<>();
        for (Path later : segments.subList(s + 1, segments.size())) {
            moved.add(Files.move(later, quarantine.resolve(later.getFileName())));
        }
        ch.truncate(pos);
        ch.force(true);
        WriteAheadLog.syncDirectory(segment.getParent());
        String repaired = corrupt + " Cut " + segment.getFileName() + " at byte " + pos + " (a copy of it is in "
                + quarantine + ") and moved " + moved.size() + " later segment(s) there: log records from " + cutAtSeq
                + " on are gone from this node.";
        log.warn(repaired);
        return new Result(last, size - pos, cutAtSeq, repaired);
    }

    /** A record read at a position: its sequence number and payload, or what is wrong with it. */
    private record Read(long seq, byte[] payload, String damage) {
        static Read damaged(String why) {
            return new Read(-1, null, why);
        }
    }

    private static Read read(FileChannel ch, long size, long pos, long expected) throws IOException {
        if (pos + WriteAheadLog.HEADER > size) {
            return Read.damaged("the file ends inside its header");
        }
        ByteBuffer header = ByteBuffer.allocate(WriteAheadLog.HEADER);
        readFully(ch, header, pos);
        int length = header.getInt(0);
        int crc = header.getInt(4);
        long seq = header.getLong(8);
        if (length < 0 || length > WriteAheadLog.MAX_RECORD) {
            return Read.damaged("its length field says " + length + " bytes");
        }
        if (seq != expected) {
            return Read.damaged("its header says record " + seq);
        }
        if (pos + WriteAheadLog.HEADER + length > size) {
            return Read.damaged("its " + length + " bytes run past the end of the file");
        }
        ByteBuffer payload = ByteBuffer.allocate(length);
        readFully(ch, payload, pos + WriteAheadLog.HEADER);
        if (crc != WriteAheadLog.checksum(seq, payload.array())) {
            return Read.damaged("checksum mismatch");
        }
        return new Read(seq, payload.array(), null);
    }

    /** Whether an intact record of a recycled file's earlier life starts at {@code pos}. */
    private static boolean isStale(FileChannel ch, long size, long pos, long segmentFirst) throws IOException {
        if (pos + WriteAheadLog.HEADER > size) {
            return false;
        }
        ByteBuffer header = ByteBuffer.allocate(WriteAheadLog.HEADER);
        readFully(ch, header, pos);
        long seq = header.getLong(8);
        return seq < segmentFirst && read(ch, size, pos, seq).damage == null;
    }

    /** The offset of the last non-zero byte at or after {@code from}, or -1 when there is none. */
    private static long lastNonZero(FileChannel ch, long from, long size) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(SCAN_CHUNK);
        long end = size;
        while (end > from) {
            long start = Math.max(from, end - SCAN_CHUNK);
            chunk.clear().limit((int) (end - start));
            readFully(ch, chunk, start);
            for (int i = chunk.limit() - 1; i >= 0; i--) {
                if (chunk.get(i) != 0) {
                    return start + i;
                }
            }
            end = start;
        }
        return -1;
    }

    /**
     * The offset of the first intact record in {@code [from, to]} whose sequence number is
     * {@code expected} or a little later, or -1. Stale records of a recycled file have sequence
     * numbers below the segment's first, so they never match.
     */
    private static long findRecord(FileChannel ch, long size, long from, long to, long expected) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(SCAN_CHUNK + WriteAheadLog.HEADER);
        for (long start = from; start <= to; start += SCAN_CHUNK) {
            int length = (int) Math.min(chunk.capacity(), size - start);
            if (length < WriteAheadLog.HEADER) {
                return -1;
            }
            chunk.clear().limit(length);
            readFully(ch, chunk, start);
            int lastOffset = (int) Math.min(Math.min(SCAN_CHUNK - 1, to - start), length - WriteAheadLog.HEADER);
            for (int i = 0; i <= lastOffset; i++) {
                long seq = chunk.getLong(i + 8);
                if (seq < expected || seq - expected > PLAUSIBLE_SEQUENCE_SPAN) {
                    continue;
                }
                long at = start + i;
                if (read(ch, size, at, seq).damage == null) {
                    return at;
                }
            }
        }
        return -1;
    }

    private static void readFully(FileChannel ch, ByteBuffer into, long position) throws IOException {
        long pos = position;
        while (into.hasRemaining()) {
            int n = ch.read(into, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += n;
        }
    }
}
