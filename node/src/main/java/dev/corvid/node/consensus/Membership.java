package dev.corvid.node.consensus;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;

/**
 * The group's fixed members, checked once: names to consensus addresses, and the Ratis group they
 * form. Every node must be given the same ones (the state machine checks promotions against the
 * names, so nodes with different lists could disagree).
 *
 * @param addresses every member's name and address (host and a port other than 0)
 * @param group     the Ratis group: id {@code UUID.nameUUIDFromBytes} of the cluster name's UTF-8
 *                  bytes, one peer per member, its id the member's name
 */
record Membership(Map<String, InetSocketAddress> addresses, RaftGroup group) {

    static Membership of(String clusterName, Map<String, InetSocketAddress> peers, String self,
                         String bootstrapMaster) {
        if (!peers.containsKey(self)) {
            throw new IllegalArgumentException("this node " + self + " is not among the peers " + peers.keySet());
        }
        if (!peers.containsKey(bootstrapMaster)) {
            throw new IllegalArgumentException("the bootstrap master " + bootstrapMaster + " is not among the peers "
                    + peers.keySet());
        }
        peers.forEach((name, address) -> {
            if (name.isBlank() || name.length() > Codec.MAX_NAME_LENGTH) {
                throw new IllegalArgumentException("a member's name has 1 to " + Codec.MAX_NAME_LENGTH
                        + " chars: '" + name + "'");
            }
            if (address.getPort() <= 0) {
                throw new IllegalArgumentException("the consensus address of " + name + " needs a fixed port, was "
                        + address);
            }
        });
        RaftGroupId id = RaftGroupId.valueOf(UUID.nameUUIDFromBytes(clusterName.getBytes(StandardCharsets.UTF_8)));
        RaftGroup group = RaftGroup.valueOf(id, peers.entrySet().stream()
                .map(e -> RaftPeer.newBuilder().setId(e.getKey()).setAddress(e.getValue()).build())
                .toList());
        return new Membership(Map.copyOf(peers), group);
    }

    Set<String> names() {
        return addresses.keySet();
    }
}
