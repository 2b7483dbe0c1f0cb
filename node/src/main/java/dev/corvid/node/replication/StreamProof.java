package dev.corvid.node.replication;

import com.google.protobuf.ByteString;
import dev.corvid.node.storage.Etag;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a master proves to a replica that it knows the cluster's secret without sending it: the
 * replica answers the handshake with {@link #CHALLENGE_BYTES} fresh random bytes, the master
 * answers with HMAC-SHA256, keyed with the secret's UTF-8 bytes, over the length-prefixed fields
 * {@value #CONTEXT}, challenge, cluster, master name, master node tag (6 hex digits), replica name,
 * stream id, epoch (8 bytes) and the takeover and fork etags (16 bytes each, or none). A proof is good for one challenge only, so a captured one cannot be replayed on
 * another stream; the names bind it to one master and one replica.
 */
final class StreamProof {

    static final int CHALLENGE_BYTES = 32;
    static final int STREAM_ID_BYTES = 16;
    static final String CONTEXT = "corvid-replication-v2";
    private static final String ALGORITHM = "HmacSHA256";
    private static final SecureRandom RANDOM = new SecureRandom();

    private StreamProof() {
    }

    static byte[] challenge() {
        return random(CHALLENGE_BYTES);
    }

    static ByteString streamId() {
        return ByteString.copyFrom(random(STREAM_ID_BYTES));
    }

    private static byte[] random(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    /** The proof for {@code challenge} on the stream of {@code handshake}. */
    static byte[] sign(String secret, byte[] challenge, Handshake handshake) {
        return hmac(secret, signed(challenge, handshake));
    }

    /** Whether {@code proof} is the proof for {@code challenge}; compares in constant time. */
    static boolean verify(String secret, byte[] challenge, Handshake handshake, byte[] proof) {
        return MessageDigest.isEqual(sign(secret, challenge, handshake), proof);
    }

    /** The context of a hand-back's proof. */
    static final String HANDBACK_CONTEXT = "corvid-handback-v1";

    /**
     * The proof of a hand-back ({@code HandBackRequest.proof}): HMAC-SHA256 over the length-prefixed
     * fields {@value #HANDBACK_CONTEXT}, cluster, replica name and the serialized versions.
     */
    static byte[] handBack(String secret, String cluster, String replica, byte[] versions) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(versions.length + 64);
        field(out, HANDBACK_CONTEXT.getBytes(StandardCharsets.UTF_8));
        field(out, cluster.getBytes(StandardCharsets.UTF_8));
        field(out, replica.getBytes(StandardCharsets.UTF_8));
        field(out, versions);
        return hmac(secret, out.toByteArray());
    }

    /** Whether {@code proof} is the hand-back proof; compares in constant time. */
    static boolean verifyHandBack(String secret, String cluster, String replica, byte[] versions, byte[] proof) {
        return MessageDigest.isEqual(handBack(secret, cluster, replica, versions), proof);
    }

    private static byte[] hmac(String secret, byte[] data) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is part of every Java 17 runtime: " + e, e);
        }
    }

    private static byte[] signed(byte[] challenge, Handshake h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        field(out, CONTEXT.getBytes(StandardCharsets.UTF_8));
        field(out, challenge);
        field(out, h.cluster().getBytes(StandardCharsets.UTF_8));
        field(out, h.masterName().getBytes(StandardCharsets.UTF_8));
        field(out, Etag.nodeTagText(h.masterNodeTag()).getBytes(StandardCharsets.UTF_8));
        field(out, h.replicaName().getBytes(StandardCharsets.UTF_8));
        field(out, h.streamId().toByteArray());
        field(out, ByteBuffer.allocate(8).putLong(h.takeover().epoch()).array());
        field(out, etagBytes(h.takeover().takeoverEtag()));
        field(out, etagBytes(h.takeover().fork()));
        return out.toByteArray();
    }

    private static byte[] etagBytes(Etag etag) {
        return etag == null ? new byte[0] : ByteBuffer.allocate(16).putLong(etag.high()).putLong(etag.change()).array();
    }

    private static void field(ByteArrayOutputStream out, byte[] bytes) {
        out.writeBytes(ByteBuffer.allocate(4).putInt(bytes.length).array());
        out.writeBytes(bytes);
    }

    static String hex(ByteString bytes) {
        return HexFormat.of().formatHex(bytes.toByteArray());
    }
}
