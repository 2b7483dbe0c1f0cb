package dev.corvid.node.replication;

/**
 * Who opens a replication stream, as the master presents itself to a replica.
 *
 * @param cluster       the cluster's name in the config
 * @param masterName    the master's node name
 * @param masterNodeTag the master's node tag (24 bits), the part of its etags unique to it
 * @param secret        the config's secret, or empty when it has none
 */
public record Handshake(String cluster, String masterName, int masterNodeTag, String secret) {

    @Override
    public String toString() {
        return "Handshake[cluster=" + cluster + ", master=" + masterName + ", nodeTag="
                + dev.corvid.node.storage.Etag.nodeTagText(masterNodeTag) + "]";
    }
}
