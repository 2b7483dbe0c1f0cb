package dev.corvid.node.consensus;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The bytes of commands, replies and snapshots: a version byte, then fixed fields written with
 * {@link DataOutputStream} (strings as modified UTF-8, at most {@value #MAX_NAME_LENGTH} chars).
 * Anything of another version, of an unknown kind, or with bytes left over is rejected with an
 * {@link IllegalArgumentException}: a node never guesses at an entry it does not understand.
 */
final class Codec {

    /** The format version written in front of every command, reply and snapshot. */
    static final byte VERSION = 1;
    /** Longest node name accepted, in chars; names come from the cluster config. */
    static final int MAX_NAME_LENGTH = 255;

    private static final byte PROMOTE = 1;
    private static final byte RENEW_LEASE = 2;
    private static final byte RELEASE = 3;
    private static final byte QUERY = 4;

    private Codec() {
    }

    static byte[] command(Command command) {
        return write(out -> {
            if (command instanceof Command.Promote p) {
                out.writeByte(PROMOTE);
                name(out, p.node());
                out.writeLong(p.expectedEpoch());
                out.writeLong(p.lapsedRenewals());
            } else if (command instanceof Command.RenewLease r) {
                out.writeByte(RENEW_LEASE);
                name(out, r.node());
                out.writeLong(r.epoch());
            } else if (command instanceof Command.Release r) {
                out.writeByte(RELEASE);
                name(out, r.node());
                out.writeLong(r.epoch());
            } else if (command instanceof Command.Query) {
                out.writeByte(QUERY);
            } else {
                throw new IllegalArgumentException("unknown command " + command);
            }
        });
    }

    static Command command(byte[] bytes) {
        return read(bytes, "command", in -> {
            byte kind = in.readByte();
            return switch (kind) {
                case PROMOTE -> new Command.Promote(in.readUTF(), in.readLong(), in.readLong());
                case RENEW_LEASE -> new Command.RenewLease(in.readUTF(), in.readLong());
                case RELEASE -> new Command.Release(in.readUTF(), in.readLong());
                case QUERY -> new Command.Query();
                default -> throw new IllegalArgumentException("unknown command kind " + kind);
            };
        });
    }

    /** The state alone: a query's answer and a snapshot's content. */
    static byte[] state(ConsensusState state) {
        return write(out -> state(out, state));
    }

    static ConsensusState state(byte[] bytes) {
        return read(bytes, "state", Codec::state);
    }

    /** A command's answer: accepted or why not, and the state after it. */
    static byte[] applied(ConsensusState.Applied applied) {
        return write(out -> {
            out.writeBoolean(applied.accepted());
            out.writeUTF(applied.reason());
            state(out, applied.state());
        });
    }

    static ConsensusState.Applied applied(byte[] bytes) {
        return read(bytes, "reply", in -> {
            boolean accepted = in.readBoolean();
            String reason = in.readUTF();
            return new ConsensusState.Applied(accepted, state(in), reason);
        });
    }

    private static void state(DataOutput out, ConsensusState state) throws IOException {
        ClusterEpoch c = state.current();
        out.writeLong(c.epoch());
        name(out, c.master());
        out.writeBoolean(c.released());
        out.writeBoolean(c.predecessorFenced());
        out.writeLong(state.renewals());
    }

    private static ConsensusState state(DataInput in) throws IOException {
        ClusterEpoch c = new ClusterEpoch(in.readLong(), in.readUTF(), in.readBoolean(), in.readBoolean());
        long renewals = in.readLong();
        if (renewals < 0) {
            throw new IllegalArgumentException("negative renewal count " + renewals);
        }
        return new ConsensusState(c, renewals);
    }

    private static void name(DataOutput out, String name) throws IOException {
        if (name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("a node name has at most " + MAX_NAME_LENGTH + " chars: " + name);
        }
        out.writeUTF(name);
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static byte[] write(Writer writer) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(VERSION);
            writer.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot happen: writing to memory", e);
        }
        return bytes.toByteArray();
    }

    private static <T> T read(byte[] bytes, String what, Reader<T> reader) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte version = in.readByte();
            if (version != VERSION) {
                throw new IllegalArgumentException("a " + what + " of format version " + version
                        + "; this node reads version " + VERSION + " only");
            }
            T value = reader.read(in);
            if (in.available() > 0) {
                throw new IllegalArgumentException("a " + what + " with " + in.available() + " bytes left over");
            }
            return value;
        } catch (IOException e) {
            throw new IllegalArgumentException("a truncated " + what + " (" + bytes.length + " bytes)", e);
        }
    }
}
