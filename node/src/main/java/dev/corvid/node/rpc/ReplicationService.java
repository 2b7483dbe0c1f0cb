package dev.corvid.node.rpc;

import com.google.protobuf.ByteString;
import dev.corvid.node.config.ServingLimits;
import dev.corvid.node.replication.HandbackReceiver;
import dev.corvid.node.replication.OpenedStreams;
import dev.corvid.node.replication.Handshake;
import dev.corvid.node.replication.ReplicaApplier;
import dev.corvid.node.replication.ReplicationRefusedException;
import dev.corvid.node.storage.BadRequestException;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.HandbackOutcome;
import dev.corvid.node.security.Identity;
import dev.corvid.node.storage.HandedBack;
import dev.corvid.node.wire.WireEtag;
import dev.corvid.proto.ConfirmStreamRequest;
import dev.corvid.proto.ConfirmStreamResponse;
import dev.corvid.proto.HandBackRequest;
import dev.corvid.proto.HandBackResponse;
import dev.corvid.proto.ReplicationAck;
import dev.corvid.proto.ReplicationGrpc;
import dev.corvid.proto.ReplicationMessage;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Replication gRPC service: on a replica, translates the master's stream into calls on the
 * {@link ReplicaApplier} and its answers into acks (handshake, then the challenge's proof when the
 * cluster has a secret, then batches and heartbeats); on the master, answers whether it opened a
 * stream ({@link OpenedStreams}) and takes a replica's hand-back of failover writes ({@link HandbackReceiver}).
 *
 * <p>Flow control: the replica reads a batch only while fewer than twice the master's window
 * ({@code serving.replicationWindowBatches}, {@code serving.replicationWindowBytes}) are read and
 * not yet applied, and while its acks are being taken ({@code isReady()}), so a sender that ignores
 * the window cannot queue work on the replica without end, nor one that stops reading make it
 * buffer acks. A master that keeps to its window never waits on either.
 */
final class ReplicationService extends ReplicationGrpc.ReplicationImplBase {

    private static final Logger log = LoggerFactory.getLogger(ReplicationService.class);

    private final ReplicaApplier applier;
    private final OpenedStreams opened;
    private final HandbackReceiver handbacks;
    private final int maxPendingBatches;
    private final long maxPendingBytes;

    ReplicationService(ReplicaApplier applier, OpenedStreams opened, HandbackReceiver handbacks, ServingLimits serving) {
        this.applier = applier;
        this.handbacks = handbacks;
        this.opened = opened;
        this.maxPendingBatches = 2 * serving.replicationWindowBatches();
        this.maxPendingBytes = 2 * serving.replicationWindowBytes();
    }

    @Override
    public StreamObserver<ReplicationMessage> replicate(StreamObserver<ReplicationAck> responses) {
        Inbound inbound = new Inbound((ServerCallStreamObserver<ReplicationAck>) responses, PeerAddress.current());
        inbound.readMore();
        return inbound;
    }

    @Override
    public void handBack(HandBackRequest request, StreamObserver<HandBackResponse> out) {
        CompletableFuture<List<HandbackOutcome>> done;
        try {
            requireCertificateOf(request.getReplicaName(), "a hand-back from replica");
            List<HandedBack> versions = Messages.handedBack(request);
            byte[] signed = request.toBuilder().clearCluster().clearReplicaName().clearProof().build().toByteArray();
            done = handbacks.receive(request.getCluster(), request.getReplicaName(), versions, signed,
                    request.getProof().toByteArray());
        } catch (RuntimeException e) {
            out.onError(Errors.toStatus(e));
            return;
        }
        done.whenComplete((outcomes, error) -> {
            if (error != null) {
                out.onError(Errors.toStatus(error instanceof CompletionException c && c.getCause() != null ? c.getCause() : error));
            } else {
                out.onNext(Messages.handBackResponse(outcomes));
                out.onCompleted();
            }
        });
    }

    @Override
    public void confirmStream(ConfirmStreamRequest request, StreamObserver<ConfirmStreamResponse> out) {
        try {
            requireCertificateOf(request.getReplicaName(), "a stream confirmation for replica");
        } catch (ReplicationRefusedException e) {
            out.onError(Errors.toStatus(e));
            return;
        }
        out.onNext(ConfirmStreamResponse.newBuilder()
                .setOpened(opened.confirm(request.getReplicaName(), request.getStreamId())).build());
        out.onCompleted();
    }

    /**
     * On a TLS node: a node may speak only for itself. The certificate's common name (its
     * {@link Identity}) must be the node the message names; nothing to check without TLS.
     *
     * @throws ReplicationRefusedException (PERMISSION_DENIED) when it is another node's
     */
    private static void requireCertificateOf(String claimed, String what) {
        Identity id = Identity.current();
        if (id != null && !id.name().equals(claimed)) {
            throw new ReplicationRefusedException("replication refused: " + what + " '" + claimed + "' presents the"
                    + " certificate of '" + id.name() + "'; a node speaks only for itself");
        }
    }

    /**
     * One stream. gRPC delivers its messages one at a time; acks come from the storage writer
     * thread in batch order, so sending is guarded by {@code out}.
     */
    private final class Inbound implements StreamObserver<ReplicationMessage> {
        private final ServerCallStreamObserver<ReplicationAck> out;
        private final String peer;
        private ReplicaApplier.Session session;
        private boolean ended; // guarded by out
        /** Guarded by out: a message was requested and has not come yet. */
        private boolean requested;
        /** Guarded by out: batches read and not yet applied, and their bytes. */
        private int pendingBatches;
        private long pendingBytes;

        Inbound(ServerCallStreamObserver<ReplicationAck> out, String peer) {
            this.out = out;
            this.peer = peer;
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
                    Handshake handshake = Messages.handshake(message.getHandshake());
                    requireCertificateOf(handshake.masterName(), "a replication stream from master");
                    session = applier.open(handshake, peer, this::fail);
                    Optional<byte[]> challenge = session.challenge();
                    if (challenge.isPresent()) {
                        send(ReplicationAck.newBuilder().setChallenge(ByteString.copyFrom(challenge.get())).build());
                    } else {
                        session.confirmWithMaster().thenCompose(session::handBackThenAnswer).whenComplete(this::answerOrFail);
                    }
                    readMore();
                    return;
                }
                switch (message.getKindCase()) {
                    case PROOF -> session.handBackThenAnswer(session.prove(message.getProof().getHmac().toByteArray()))
                            .whenComplete(this::answerOrFail);
                    case BATCH -> apply(message);
                    case HEARTBEAT -> session.heartbeat();
                    default -> throw new BadRequestException("only the first message of a replication stream is a handshake");
                }
                readMore();
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        /** Applies a batch, counted as pending (see the flow control above) until it is applied. */
        private void apply(ReplicationMessage message) {
            int bytes = message.getSerializedSize();
            synchronized (out) {
                pendingBatches++;
                pendingBytes += bytes;
            }
            session.apply(Messages.changes(message.getBatch()), Messages.through(message.getBatch())).whenComplete((last, error) -> {
                synchronized (out) {
                    pendingBatches--;
                    pendingBytes -= bytes;
                }
                ackOrFail(last, error);
                readMore();
            });
        }

        private void ackOrFail(Etag last, Throwable error) {
            if (error != null) {
                fail(error instanceof CompletionException c && c.getCause() != null ? c.getCause() : error);
            } else {
                ack(last);
            }
        }

        /** The answer to the handshake: the last etag applied from the master, and from every other source. */
        private void answerOrFail(Etag last, Throwable error) {
            if (error != null) {
                ackOrFail(last, error);
                return;
            }
            ReplicationAck.Builder answer = ReplicationAck.newBuilder().setLastAppliedEtag(Messages.reported(last));
            session.appliedSources().forEach(e -> answer.addAppliedSources(WireEtag.bytes(e)));
            send(answer.build());
        }

        private void ack(Etag last) {
            send(ReplicationAck.newBuilder().setLastAppliedEtag(Messages.reported(last)).build());
        }

        private void send(ReplicationAck ack) {
            synchronized (out) {
                if (!ended) {
                    out.onNext(ack);
                }
            }
        }

        private void fail(Throwable error) {
            if (error instanceof BadRequestException) { // the applier logs what it rejects itself
                log.warn("replication stream from {} rejected: {}", peer, error.getMessage());
            }
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
