package dev.corvid.node.storage.wal;

import dev.corvid.node.storage.Etag;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What one committed batch did, with its etags already assigned, as written to the log. Replaying
 * entries in order on top of the last checkpoint rebuilds the exact state, etags included.
 */
public sealed interface LogEntry {

    /** A put, stamped with {@code etag}. */
    record Put(String id, Etag etag, String collection, byte[] metadata, byte[] body) implements LogEntry {
    }

    /**
     * A delete: the document becomes a tombstone stamped with {@code etag}.
     *
     * @param metadata null for a plain tombstone; otherwise a JSON object in UTF-8 the tombstone
     *                 keeps (a replica's failover delete marks itself so, to hand itself back to the master)
     */
    record Delete(String id, Etag etag, byte[] metadata) implements LogEntry {

        /** A plain tombstone. */
        public Delete(String id, Etag etag) {
            this(id, etag, null);
        }
    }

    /** The collection's id sequence is reserved up to {@code last}. */
    record ReserveIds(String collection, long last) implements LogEntry {
    }

    /**
     * A replica has applied the changes of {@code source} (the master's node name) up to the
     * master etag {@code lastApplied}. Always in the same record as the changes it covers.
     */
    record SourceProgress(String source, Etag lastApplied) implements LogEntry {
    }

    byte PUT = 1;
    byte DELETE = 2;
    byte RESERVE_IDS = 3;
    byte SOURCE_PROGRESS = 4;
    /** A delete whose tombstone keeps metadata; logs without one read as before. */
    byte MARKED_DELETE = 5;

    static byte[] encode(List<LogEntry> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(entries.size());
            for (LogEntry entry : entries) {
                if (entry instanceof Put p) {
                    out.writeByte(PUT);
                    out.writeUTF(p.id());
                    writeEtag(out, p.etag());
                    out.writeUTF(p.collection() == null ? "" : p.collection());
                    out.writeInt(p.metadata().length);
                    out.write(p.metadata());
                    out.writeInt(p.body().length);
                    out.write(p.body());
                } else if (entry instanceof Delete d) {
                    out.writeByte(d.metadata() == null ? DELETE : MARKED_DELETE);
                    out.writeUTF(d.id());
                    writeEtag(out, d.etag());
                    if (d.metadata() != null) {
                        out.writeInt(d.metadata().length);
                        out.write(d.metadata());
                    }
                } else if (entry instanceof ReserveIds r) {
                    out.writeByte(RESERVE_IDS);
                    out.writeUTF(r.collection());
                    out.writeLong(r.last());
                } else if (entry instanceof SourceProgress sp) {
                    out.writeByte(SOURCE_PROGRESS);
                    out.writeUTF(sp.source());
                    writeEtag(out, sp.lastApplied());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static List<LogEntry> decode(byte[] payload) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
        int count = in.readInt();
        List<LogEntry> entries = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte kind = in.readByte();
            switch (kind) {
                case PUT -> {
                    String id = in.readUTF();
                    Etag etag = readEtag(in);
                    String collection = in.readUTF();
                    byte[] metadata = in.readNBytes(in.readInt());
                    byte[] body = in.readNBytes(in.readInt());
                    entries.add(new Put(id, etag, collection.isEmpty() ? null : collection, metadata, body));
                }
                case DELETE -> entries.add(new Delete(in.readUTF(), readEtag(in)));
                case MARKED_DELETE -> entries.add(new Delete(in.readUTF(), readEtag(in), in.readNBytes(in.readInt())));
                case RESERVE_IDS -> entries.add(new ReserveIds(in.readUTF(), in.readLong()));
                case SOURCE_PROGRESS -> entries.add(new SourceProgress(in.readUTF(), readEtag(in)));
                default -> throw new IOException("unknown log entry kind " + kind);
            }
        }
        return entries;
    }

    private static void writeEtag(DataOutputStream out, Etag etag) throws IOException {
        out.writeLong(etag.high());
        out.writeLong(etag.change());
    }

    private static Etag readEtag(DataInputStream in) throws IOException {
        return Etag.fromLongs(in.readLong(), in.readLong());
    }
}
