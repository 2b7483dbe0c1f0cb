package dev.corvid.node.consensus;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.AtomicFileOutputStream;
import org.apache.ratis.util.MD5FileUtil;

/**
 * The Raft state machine: a {@link ConsensusState}, changed only by log entries applied in order
 * (Ratis calls {@link #applyTransaction} from one thread), saved whole in a snapshot file so the
 * log before it can be purged. A restarted server loads the newest snapshot and replays the log
 * after it; with neither it starts from the bootstrap state, so a new cluster needs no command.
 *
 * <p>Commands are decoded on the leader before they enter the log ({@link #startTransaction}), so a
 * malformed one is refused and never logged. An entry that this node cannot decode while applying
 * (one written by a newer version) throws: Ratis then stops this server rather than let its state
 * diverge from the others'.
 */
final class EpochStateMachine extends BaseStateMachine {

    /** Told of every applied entry and every loaded snapshot, on the applying thread. */
    interface Observer {
        void applied(ConsensusState before, ConsensusState after);
    }

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final Set<String> members;
    private final Observer observer;
    /** Guards that {@link #state} and the last applied index change together (a snapshot reads both). */
    private final Object lock = new Object();
    private volatile ConsensusState state;

    /** @param bootstrap the state before any snapshot or entry: epoch 1 and the configured master */
    EpochStateMachine(ConsensusState bootstrap, Set<String> members, Observer observer) {
        this.members = Set.copyOf(members);
        this.observer = Objects.requireNonNull(observer, "observer");
        this.state = Objects.requireNonNull(bootstrap, "bootstrap");
    }

    /** The state this node applied last; may lag the group's. */
    ConsensusState state() {
        return state;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        load(storage.loadLatestSnapshot());
    }

    /** After the leader installed a snapshot on this follower, or the server resumed from a pause. */
    @Override
    public void reinitialize() throws IOException {
        load(storage.loadLatestSnapshot());
    }

    @Override
    public SimpleStateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        TransactionContext trx = super.startTransaction(request);
        try {
            Command command = Codec.command(request.getMessage().getContent().toByteArray());
            if (command instanceof Command.Query) {
                trx.setException(new IllegalArgumentException("a query is sent as a read-only request"));
            }
        } catch (IllegalArgumentException e) {
            trx.setException(e);
        }
        return trx;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        Command command = Codec.command(entry.getStateMachineLogEntry().getLogData().toByteArray());
        ConsensusState before;
        ConsensusState.Applied applied;
        synchronized (lock) {
            before = state;
            applied = before.apply(command, members);
            state = applied.state();
            updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        }
        assert applied.state().current().epoch() >= before.current().epoch() : applied + " after " + before;
        observer.applied(before, applied.state());
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(Codec.applied(applied))));
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        Command command;
        try {
            command = Codec.command(request.getContent().toByteArray());
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (!(command instanceof Command.Query)) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("not a query: " + command));
        }
        return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(Codec.state(state))));
    }

    @Override
    public long takeSnapshot() throws IOException {
        ConsensusState s;
        TermIndex applied;
        synchronized (lock) {
            s = state;
            applied = getLastAppliedTermIndex();
        }
        if (applied == null || applied.getIndex() < 0) {
            return RaftLog.INVALID_LOG_INDEX;
        }
        File file = storage.getSnapshotFile(applied.getTerm(), applied.getIndex());
        // Written whole to a temporary file, synced, then renamed: a crash leaves the old snapshot.
        try (OutputStream out = new AtomicFileOutputStream(file)) {
            out.write(Codec.state(s));
        }
        FileInfo info = new FileInfo(file.toPath(), MD5FileUtil.computeAndSaveMd5ForFile(file));
        storage.updateLatestSnapshot(new SingleFileSnapshotInfo(info, applied));
        return applied.getIndex();
    }

    private void load(SingleFileSnapshotInfo snapshot) throws IOException {
        if (snapshot == null) {
            return; // nothing saved yet: the bootstrap state, then the whole log
        }
        Path path = snapshot.getFile().getPath();
        if (snapshot.getFile().getFileDigest() != null) {
            MD5FileUtil.verifySavedMD5(path.toFile(), snapshot.getFile().getFileDigest());
        }
        ConsensusState loaded;
        try {
            loaded = Codec.state(Files.readAllBytes(path));
        } catch (IllegalArgumentException e) {
            throw new IOException("the consensus snapshot " + path + " cannot be read: " + e.getMessage(), e);
        }
        ConsensusState before;
        synchronized (lock) {
            before = state;
            state = loaded;
            setLastAppliedTermIndex(snapshot.getTermIndex());
        }
        observer.applied(before, loaded);
    }

    @Override
    public String toString() {
        return "EpochStateMachine(" + state.current() + ")";
    }
}
