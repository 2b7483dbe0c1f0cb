package dev.corvid.node.replication;

import com.google.protobuf.ByteString;
import dev.corvid.node.storage.Etag;

/**
 * Who opens a replication stream, as the master presents itself to a replica. Nothing in it is
 * secret: the stream proves it comes from the master afterwards (see {@link StreamProof}).
 *
 * @param cluster       the cluster's name in the config
 * @param masterName    the master's node name
 * @param masterNodeTag the master's node tag (24 bits), the part of its etags unique to it
 * @param replicaName   the replica the master means to reach
 * @param streamId      random bytes naming this stream ({@link StreamProof#STREAM_ID_BYTES})
 * @param takeover      the epoch of the master and where it took over ({@link Takeover#FIRST} for the first master)
 */
public record Handshake(String cluster, String masterName, int masterNodeTag, String replicaName, ByteString streamId,
                        Takeover takeover) {

    /** The handshake of the first epoch's master. */
    public Handshake(String cluster, String masterName, int masterNodeTag, String replicaName, ByteString streamId) {
        this(cluster, masterName, masterNodeTag, replicaName, streamId, Takeover.FIRST);
    }

    @Override
    public String toString() {
        return "Handshake[cluster=" + cluster + ", master=" + masterName + ", nodeTag=" + Etag.nodeTagText(masterNodeTag)
                + ", replica=" + replicaName + ", stream=" + StreamProof.hex(streamId) + ", " + takeover + "]";
    }
}
