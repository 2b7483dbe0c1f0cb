package dev.corvid.node.replication;

import com.google.protobuf.ByteString;
import dev.corvid.proto.ConfirmStreamRequest;
import dev.corvid.proto.ConfirmStreamResponse;
import dev.corvid.proto.ReplicationGrpc;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A replica's question to its master, at the master's configured address, in a cluster without a
 * secret: "did you open this stream to me?" The channel opens on first use and closes with the
 * replica.
 */
final class MasterConfirmation implements AutoCloseable {

    private final Supplier<ManagedChannel> opener;
    private final Duration deadline;
    private ManagedChannel channel; // guarded by this
    private boolean closed; // guarded by this

    /** @param deadline how long the master gets to answer ({@code replication.confirmStreamTimeoutMillis}) */
    MasterConfirmation(Supplier<ManagedChannel> opener, Duration deadline) {
        this.opener = opener;
        this.deadline = deadline;
    }

    /** Completes with the master's answer, or exceptionally when it could not be asked. */
    CompletableFuture<Boolean> opened(ByteString streamId, String replicaName) {
        CompletableFuture<Boolean> answer = new CompletableFuture<>();
        ManagedChannel ch;
        try {
            ch = channel();
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

    /** The channel to the master, opened on first use; also the hand-back's ({@link FailoverHandback}). */
    synchronized ManagedChannel channel() {
        if (closed) {
            throw new IllegalStateException("the node is stopping");
        }
        if (channel == null) {
            channel = opener.get();
        }
        return channel;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (channel != null) {
            channel.shutdownNow();
        }
    }
}
