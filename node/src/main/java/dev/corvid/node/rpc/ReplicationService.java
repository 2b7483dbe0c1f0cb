package dev.corvid.node.rpc;

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
 */
final class ReplicationService extends ReplicationGrpc.ReplicationImplBase {

    private final ReplicaApplier applier;

    ReplicationService(ReplicaApplier applier) {
        this.applier = applier;
    }

    @Override
    public StreamObserver<ReplicationMessage> replicate(StreamObserver<ReplicationAck> responses) {
        return new Inbound((ServerCallStreamObserver<ReplicationAck>) responses);
    }

    /**
     * One stream. gRPC delivers its messages one at a time; acks come from the storage writer
     * thread in batch order, so sending is guarded by {@code out}.
     */
    private final class Inbound implements StreamObserver<ReplicationMessage> {
        private final ServerCallStreamObserver<ReplicationAck> out;
        private ReplicaApplier.Session session;
        private boolean ended; // guarded by out

        Inbound(ServerCallStreamObserver<ReplicationAck> out) {
            this.out = out;
            out.setOnCancelHandler(this::end);
        }

        @Override
        public void onNext(ReplicationMessage message) {
            try {
                if (session == null) {
                    if (!message.hasHandshake()) {
                        throw new BadRequestException("a replication stream must start with a handshake");
                    }
                    session = applier.open(Messages.handshake(message.getHandshake()), this::fail);
                    ack(session.lastApplied());
                } else if (message.hasBatch()) {
                    session.apply(Messages.changes(message.getBatch())).whenComplete((last, error) -> {
                        if (error != null) {
                            fail(error instanceof CompletionException c ? c.getCause() : error);
                        } else {
                            ack(last);
                        }
                    });
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
