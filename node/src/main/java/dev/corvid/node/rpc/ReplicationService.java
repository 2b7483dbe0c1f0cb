package dev.corvid.node.rpc;

import dev.corvid.node.config.ServingLimits;
import dev.corvid.node.replication.ReplicaApplier;
import dev.corvid.node.storage.BadRequestException;
import dev.corvid.node.storage.Etag;
import dev.corvid.proto.ReplicationAck;
import dev.corvid.proto.ReplicationGrpc;
import dev.corvid.proto.ReplicationMessage;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletionException;

/**
 * The Replication gRPC service of a replica: translates the master's stream into calls on the
 * {@link ReplicaApplier} and its answers into acks. The first message must be the handshake.
 *
 * <p>Flow control: the replica reads a batch only while fewer than twice the master's window
 * ({@code serving.replicationWindowBatches}, {@code serving.replicationWindowBytes}) are read and
 * not yet applied, and while its acks are being taken ({@code isReady()}), so a sender that ignores
 * the window cannot queue work on the replica without end, nor one that stops reading make it
 * buffer acks. A master that keeps to its window never waits on either.
 */
final class ReplicationService extends ReplicationGrpc.ReplicationImplBase {

    private final ReplicaApplier applier;
    private final int maxPendingBatches;
    private final long maxPendingBytes;

    ReplicationService(ReplicaApplier applier, ServingLimits serving) {
        this.applier = applier;
        this.maxPendingBatches = 2 * serving.replicationWindowBatches();
        this.maxPendingBytes = 2 * serving.replicationWindowBytes();
    }

    @Override
    public StreamObserver<ReplicationMessage> replicate(StreamObserver<ReplicationAck> responses) {
        Inbound inbound = new Inbound((ServerCallStreamObserver<ReplicationAck>) responses);
        inbound.readMore();
        return inbound;
    }

    /**
     * One stream. gRPC delivers its messages one at a time; acks come from the storage writer
     * thread in batch order, so sending is guarded by {@code out}.
     */
    private final class Inbound implements StreamObserver<ReplicationMessage> {
        private final ServerCallStreamObserver<ReplicationAck> out;
        private ReplicaApplier.Session session;
        private boolean ended; // guarded by out
        /** Guarded by out: a message was requested and has not come yet. */
        private boolean requested;
        /** Guarded by out: batches read and not yet applied, and their bytes. */
        private int pendingBatches;
        private long pendingBytes;

        Inbound(ServerCallStreamObserver<ReplicationAck> out) {
            this.out = out;
            out.disableAutoRequest();
            out.setOnCancelHandler(this::end);
            out.setOnReadyHandler(this::readMore);
        }

        /** Requests the next message when the replica has room for it. Any thread. */
        void readMore() {
            synchronized (out) {
                if (ended || requested || pendingBatches >= maxPendingBatches || pendingBytes >= maxPendingBytes
                        || !out.isReady()) {
                    return;
                }
                requested = true;
            }
            out.request(1); // may be called from any thread; outside the lock, as it may deliver
        }

        @Override
        public void onNext(ReplicationMessage message) {
            synchronized (out) {
                requested = false;
            }
            try {
                if (session == null) {
                    if (!message.hasHandshake()) {
                        throw new BadRequestException("a replication stream must start with a handshake");
                    }
                    session = applier.open(Messages.handshake(message.getHandshake()), this::fail);
                    ack(session.lastApplied());
                    readMore();
                } else if (message.hasBatch()) {
                    int bytes = message.getSerializedSize();
                    synchronized (out) {
                        pendingBatches++;
                        pendingBytes += bytes;
                    }
                    session.apply(Messages.changes(message.getBatch())).whenComplete((last, error) -> {
                        synchronized (out) {
                            pendingBatches--;
                            pendingBytes -= bytes;
                        }
                        if (error != null) {
                            fail(error instanceof CompletionException c ? c.getCause() : error);
                        } else {
                            ack(last);
                            readMore();
                        }
                    });
                    readMore();
                } else {
                    throw new BadRequestException("only the first message of a replication stream is a handshake");
                }
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        private void ack(Etag last) {
            synchronized (out) {
                if (!ended) {
                    out.onNext(ReplicationAck.newBuilder().setLastAppliedEtag(last.isEmpty() ? "" : last.toString()).build());
                }
            }
        }

        private void fail(Throwable error) {
            synchronized (out) {
                if (!ended) {
                    end();
                    out.onError(Errors.toStatus(error));
                }
            }
        }

        private void end() {
            synchronized (out) {
                ended = true;
                if (session != null) {
                    session.end();
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            end();
        }

        @Override
        public void onCompleted() {
            synchronized (out) {
                if (!ended) {
                    end();
                    out.onCompleted();
                }
            }
        }
    }
}
