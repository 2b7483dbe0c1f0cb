package dev.corvid.node.rpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.Limits;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.storage.BadRequestException;
import dev.corvid.proto.WriteAssurance;
import dev.corvid.proto.WriteOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class AssuranceAskedTest {

    private static ClusterConfig cluster(int nodes) {
        List<NodeConfig> all = new java.util.ArrayList<>();
        for (int i = 0; i < nodes; i++) {
            all.add(new NodeConfig("N" + i, "127.0.0.1", 7000 + i, Path.of("n" + i),
                    i == 0 ? NodeConfig.Role.MASTER : NodeConfig.Role.REPLICA));
        }
        return new ClusterConfig("c", all, Limits.DEFAULT);
    }

    private static AssuranceAsked of(ClusterConfig cluster, WriteAssurance.Builder a) {
        return AssuranceAsked.of(WriteOptions.newBuilder().setAssurance(a).build(), cluster);
    }

    @Test
    void noAssurance_orZeroReplicas_asksForNothing() {
        assertEquals(AssuranceAsked.NONE, AssuranceAsked.of(WriteOptions.getDefaultInstance(), cluster(3)));
        assertEquals(AssuranceAsked.NONE, of(cluster(3), WriteAssurance.newBuilder().setReplicas(0)));
    }

    @Test
    void aMajority_isHalfTheNodesRoundedDown_andTheLargerOfItAndTheCountWins() {
        WriteAssurance.Builder majority = WriteAssurance.newBuilder().setMajority(true).setTimeoutMicros(1_000);
        assertEquals(1, of(cluster(3), majority).replicas());
        assertEquals(2, of(cluster(5), majority).replicas());
        assertEquals(1, of(cluster(2), majority).replicas());
        assertEquals(3, of(cluster(5), majority.clone().setReplicas(3)).replicas());
        assertEquals(Duration.ofMillis(1), of(cluster(3), majority).timeout());
    }

    @Test
    void aWaitOfNothing_orOverTheNodesMaximum_isRefused() {
        String none = assertThrows(BadRequestException.class,
                () -> of(cluster(3), WriteAssurance.newBuilder().setReplicas(1))).getMessage();
        assertTrue(none.contains("at least 1 µs and at most replication.maxAssuranceWaitMillis (60000 ms)"), none);
        assertThrows(BadRequestException.class,
                () -> of(cluster(3), WriteAssurance.newBuilder().setReplicas(1).setTimeoutMicros(60_000_001)));
        assertEquals(Duration.ofSeconds(60),
                of(cluster(3), WriteAssurance.newBuilder().setReplicas(1).setTimeoutMicros(60_000_000)).timeout());
    }

    @Test
    void moreReplicasThanTheConfigNames_isRefused() {
        String e = assertThrows(BadRequestException.class,
                () -> of(cluster(3), WriteAssurance.newBuilder().setReplicas(3).setTimeoutMicros(1))).getMessage();
        assertTrue(e.contains("asks for 3 replicas, but cluster 'c' has 2; nothing was written"), e);
    }
}
