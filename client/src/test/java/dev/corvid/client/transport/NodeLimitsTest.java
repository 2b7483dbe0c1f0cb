package dev.corvid.client.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.corvid.proto.ClusterTopology;
import dev.corvid.proto.WireLimits;
import org.junit.jupiter.api.Test;

/** The node's limits as the client takes them from a topology answer. */
class NodeLimitsTest {

    @Test
    void fieldsTheNodeLeftZero_areTheClientsDefaults() {
        NodeLimits limits = NodeLimits.of(WireLimits.newBuilder().setMaxDirectGetIds(8).setMaxAnswerBytes(1 << 20).build());
        assertEquals(new NodeLimits(NodeLimits.DEFAULTS.maxExchangeRequestBytes(), 8, 1 << 20,
                NodeLimits.DEFAULTS.maxExchangeAnswerBytes()), limits);
        assertEquals(NodeLimits.DEFAULTS, NodeLimits.of(WireLimits.getDefaultInstance()));
    }

    @Test
    void sizesBeyondAnInt_areCappedAtTheLargestMessageGrpcTakes() {
        assertEquals(Integer.MAX_VALUE, NodeLimits.of(WireLimits.newBuilder().setMaxAnswerBytes(1L << 40).build()).maxAnswerBytes());
    }

    @Test
    void knownLimits_areTheDefaultsUntilATopologyAnswerCarriesLimits() {
        KnownLimits known = new KnownLimits();
        assertEquals(NodeLimits.DEFAULTS, known.current());
        known.learn(ClusterTopology.getDefaultInstance());
        assertEquals(NodeLimits.DEFAULTS, known.current(), "an answer without limits changes nothing");
        known.learn(ClusterTopology.newBuilder().setLimits(WireLimits.newBuilder().setMaxExchangeRequestBytes(1024)).build());
        assertEquals(1024, known.current().maxExchangeRequestBytes());
    }
}
