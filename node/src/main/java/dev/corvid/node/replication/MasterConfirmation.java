package dev.corvid.node.replication;

import com.google.protobuf.ByteString;
import dev.corvid.proto.ConfirmStreamRequest;
import dev.corvid.proto.ConfirmStreamResponse;
import dev.corvid.proto.ReplicationGrpc;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A replica's question to its master, at the master's configured address, in a cluster without a
 * secret: "did you open this stream to me?" The channel opens on first use and closes with the
 * replica.
 */
final class MasterConfirmation implements AutoCloseable {

    private final Function<String, ManagedChannel> opener;
    private final Duration deadline;
    /** host:port to channel, one per master this replica has had. Guarded by this. */
    private final Map<String, ManagedChannel> channels = new HashMap<>();
    private boolean closed; // guarded by this

    /**
     * @param opener   opens a channel to a master's address
     * @param deadline how long the master gets to answer ({@code replication.confirmStreamTimeoutMillis})
     */
    MasterConfirmation(Function<String, ManagedChannel> opener, Duration deadline) {
        this.opener = opener;
        this.deadline = deadline;
    }

    /** Completes with the answer of the master at {@code master}, or exceptionally when it could not be asked. */
    CompletableFuture<Boolean> opened(String master, ByteString streamId, String replicaName) {
        CompletableFuture<Boolean> answer = new CompletableFuture<>();
        ManagedChannel ch;
        try {
            ch = channel(master);
        } catch (RuntimeException e) {
            answer.completeExceptionally(e);
            return answer;
        }
        ReplicationGrpc.newStub(ch).withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS).confirmStream(
                ConfirmStreamRequest.newBuilder().setStreamId(streamId).setReplicaName(replicaName).build(),
                new StreamObserver<>() {
                    @Override
                    public void onNext(ConfirmStreamResponse response) {
                        answer.complete(response.getOpened());
                    }

                    @Override
                    public void onError(Throwable t) {
                        answer.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        answer.complete(false); // no answer at all: not confirmed
                    }
                });
        return answer;
    }

    /** The channel to the master at {@code address}, opened on first use; also the hand-back's ({@link FailoverHandback}). */
    synchronized ManagedChannel channel(String address) {
        if (closed) {
            throw new IllegalStateException("the node is stopping");
        }
        return channels.computeIfAbsent(address, opener);
    }

    @Override
    public synchronized void close() {
        closed = true;
        channels.values().forEach(ManagedChannel::shutdownNow);
    }
}
