package dev.corvid.node.replication;

import com.google.protobuf.ByteString;

/**
 * The master's answer to a replica that asks whether a stream came from it (clusters without a
 * secret, see {@link ReplicaApplier}).
 */
public interface OpenedStreams {

    /** What a node that opens no streams answers (a replica). */
    OpenedStreams NONE = (replica, streamId) -> false;

    /**
     * Whether this node has the stream {@code streamId} open to {@code replicaName} and has not
     * confirmed it before: true at most once per stream, so a replayed id is refused.
     */
    boolean confirm(String replicaName, ByteString streamId);
}
