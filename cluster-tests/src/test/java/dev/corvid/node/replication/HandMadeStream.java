package dev.corvid.node.replication;

import com.google.protobuf.ByteString;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.testing.TextEtags;
import dev.corvid.proto.ChangeBatch;
import dev.corvid.proto.HandshakeProof;
import dev.corvid.proto.ReplicatedChange;
import dev.corvid.proto.ReplicationAck;
import dev.corvid.proto.ReplicationGrpc;
import dev.corvid.proto.ReplicationHandshake;
import dev.corvid.proto.ReplicationMessage;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A replication stream written by hand, as anyone on the network could open one: the test says
 * each message and reads each answer. The proof is computed here from the wire format documented
 * in replication.proto, not with the node's own code.
 */
final class HandMadeStream implements AutoCloseable {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final BlockingQueue<ReplicationAck> acks = new LinkedBlockingQueue<>();
    private final CompletableFuture<Status> ended = new CompletableFuture<>();
    private ClientCallStreamObserver<ReplicationMessage> requests;

    HandMadeStream(ManagedChannel channel) {
        ReplicationGrpc.newStub(channel).withDeadlineAfter(2, TimeUnit.MINUTES).replicate(new ClientResponseObserver<
                ReplicationMessage, ReplicationAck>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<ReplicationMessage> stream) {
                requests = stream;
            }

            @Override
            public void onNext(ReplicationAck ack) {
                acks.add(ack);
            }

            @Override
            public void onError(Throwable t) {
                ended.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                ended.complete(Status.OK);
            }
        });
    }

    static ReplicationHandshake handshake(String cluster, String master, String nodeTag, String replica) {
        byte[] id = new byte[16];
        new SecureRandom().nextBytes(id);
        return ReplicationHandshake.newBuilder().setCluster(cluster).setMasterName(master).setMasterNodeTag(nodeTag)
                .setReplicaName(replica).setStreamId(ByteString.copyFrom(id)).build();
    }

    /** HMAC-SHA256 over the length-prefixed fields, as replication.proto documents it. */
    static ByteString proof(String secret, ByteString challenge, ReplicationHandshake h) throws Exception {
        ByteArrayOutputStream signed = new ByteArrayOutputStream();
        long epoch = h.getEpoch() == 0 ? 1 : h.getEpoch(); // a handshake without an epoch is of epoch 1
        for (byte[] field : new byte[][]{"corvid-replication-v2".getBytes(StandardCharsets.UTF_8), challenge.toByteArray(),
                utf8(h.getCluster()), utf8(h.getMasterName()), utf8(h.getMasterNodeTag()), utf8(h.getReplicaName()),
                h.getStreamId().toByteArray(), ByteBuffer.allocate(8).putLong(epoch).array(),
                h.getTakeoverEtag().toByteArray(), h.getForkEtag().toByteArray()}) {
            signed.writeBytes(ByteBuffer.allocate(4).putInt(field.length).array());
            signed.writeBytes(field);
        }
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return ByteString.copyFrom(mac.doFinal(signed.toByteArray()));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The etag text of change {@code change} in run {@code restart} of the node {@code nodeTag} (6 hex digits). */
    static String etag(String nodeTag, long restart, long change) {
        return String.format(Locale.ROOT, "01%s-%04X-%04X-%04X-%012X", nodeTag, (restart >>> 16) & 0xFFFF, restart & 0xFFFF,
                (change >>> 48) & 0xFFFF, change & 0xFFFFFFFFFFFFL);
    }

    /** {@code etag} with its change counter moved by {@code delta}: same node, same run. */
    static String shifted(String etag, long delta) {
        Etag e = Etag.parse(etag);
        String high = etag.substring(0, 18);
        long change = e.change() + delta;
        return high + String.format(Locale.ROOT, "-%04X-%012X", (change >>> 48) & 0xFFFF, change & 0xFFFFFFFFFFFFL);
    }

    static ReplicationMessage batch(String... idsAndEtags) {
        ChangeBatch.Builder batch = ChangeBatch.newBuilder();
        for (int i = 0; i < idsAndEtags.length; i += 2) {
            batch.addChanges(ReplicatedChange.newBuilder().setId(idsAndEtags[i]).setEtag(TextEtags.wire(idsAndEtags[i + 1]))
                    .setMetadataJson(ByteString.copyFromUtf8("{\"@collection\":\"Forged\"}"))
                    .setBodyJson(ByteString.copyFromUtf8("{\"forged\":true}")));
        }
        return ReplicationMessage.newBuilder().setBatch(batch).build();
    }

    HandMadeStream send(ReplicationMessage message) {
        requests.onNext(message);
        return this;
    }

    HandMadeStream send(ReplicationHandshake handshake) {
        return send(ReplicationMessage.newBuilder().setHandshake(handshake).build());
    }

    HandMadeStream sendProof(ByteString hmac) {
        return send(ReplicationMessage.newBuilder().setProof(HandshakeProof.newBuilder().setHmac(hmac)).build());
    }

    /** Handshake, challenge, the right proof: returns the replica's answer (its last applied master etag). */
    ReplicationAck proveAs(ReplicationHandshake master, String secret) throws Exception {
        ByteString challenge = send(master).nextAck().getChallenge();
        return sendProof(proof(secret, challenge, master)).nextAck();
    }

    /** The next answer of the replica; fails the test with the stream's status when it ended instead. */
    ReplicationAck nextAck() throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            ReplicationAck ack = acks.poll(50, TimeUnit.MILLISECONDS);
            if (ack != null) {
                return ack;
            }
            if (ended.isDone()) {
                throw new AssertionError("the stream ended instead of answering: " + ended.get());
            }
        }
        throw new AssertionError("no answer within " + WAIT);
    }

    /** How the replica ended the stream. */
    Status awaitEnd() throws Exception {
        return ended.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        if (!ended.isDone()) {
            requests.cancel("test done", null);
        }
    }
}
