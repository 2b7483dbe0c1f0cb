package dev.corvid.node.replication;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.corvid.node.cli.ConsistencyReport;
import dev.corvid.testing.CorvidTestCluster;
import dev.corvid.proto.Command;
import dev.corvid.proto.BatchRequest;
import dev.corvid.proto.DeleteCommand;
import dev.corvid.proto.GetResult;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.WriteOptions;
import dev.corvid.probe.MultiProcess;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * No failover write stays on the replica that took it: once the master is back, the replica hands
 * its failover writes back, the master applies each or keeps it beside its own newer version as a
 * conflict, and every node ends up equal (real processes: master A, replicas B and C).
 */
@MultiProcess
class FailoverHandbackTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    static CorvidTestCluster cluster;
    static ClusterClient client;

    @BeforeAll
    static void startCluster() {
        cluster = CorvidTestCluster.builder().directory(dir).nodes(3).start();
        client = new ClusterClient(cluster);
        client.awaitReplicasCaughtUp(DEADLINE);
    }

    @AfterAll
    static void stopCluster() {
        client.close();
        cluster.close();
    }

    private static PutCommand put(String id, String body) {
        return PutCommand.newBuilder().setId(id).setMetadataJson(ByteString.copyFromUtf8("{\"@collection\":\"Things\"}"))
                .setBodyJson(ByteString.copyFromUtf8(body)).build();
    }

    private static final WriteOptions FAILOVER = WriteOptions.newBuilder().setFailoverWrite(true).build();

    /** Kills A and waits until B takes failover writes, with this put as the first. */
    private static void killMasterAndFailoverPut(String id, String body) {
        cluster.kill("A");
        await("B takes failover writes once A is gone").atMost(DEADLINE).pollInterval(Duration.ofMillis(50))
                .ignoreException(StatusRuntimeException.class)
                .until(() -> client.docs("B").put(PutRequest.newBuilder().setPut(put(id, body)).setOptions(FAILOVER).build())
                        .getWrittenToReplica());
    }

    private static GetResult on(String node, String id) {
        return client.get(node, List.of(id)).get(0);
    }

    private static String body(GetResult r) {
        return r.getDocument().getBodyJson().toStringUtf8();
    }

    private static ConsistencyReport check() throws InterruptedException {
        return cluster.checkConsistency(Duration.ofSeconds(10));
    }

    @Test
    void failoverWritesOnTopOfTheMastersVersions_areAppliedByTheMasterOnceItIsBack_andReachEveryNode() throws Exception {
        client.docs("A").batch(BatchRequest.newBuilder()
                .addCommands(Command.newBuilder().setPut(put("back/x", "{\"v\":1}")))
                .addCommands(Command.newBuilder().setPut(put("back/del", "{}"))).build());
        client.awaitReplicasCaughtUp(DEADLINE);

        killMasterAndFailoverPut("back/x", "{\"v\":\"on B\"}");
        client.docs("B").put(PutRequest.newBuilder().setPut(put("back/new", "{\"v\":\"new on B\"}")).setOptions(FAILOVER).build());
        client.docs("B").batch(BatchRequest.newBuilder().setOptions(FAILOVER)
                .addCommands(Command.newBuilder().setDelete(DeleteCommand.newBuilder().setId("back/del"))).build());
        cluster.restart("A");

        for (String node : List.of("A", "B", "C")) {
            await("the failover writes reach " + node).atMost(DEADLINE).pollInterval(Duration.ofMillis(50))
                    .until(() -> body(on(node, "back/x")).equals("{\"v\":\"on B\"}")
                            && on(node, "back/new").getFound() && !on(node, "back/del").getFound());
        }
        JsonNode applied = ClusterClient.metadata(on("A", "back/x"));
        assertEquals("B", applied.path("@origin-node").asText(), applied.toString());
        assertFalse(applied.has("@failover-write") || applied.has("@conflict"), applied.toString());
        assertFalse(ClusterClient.metadata(on("B", "back/x")).has("@failover-write"),
                "B's copy is now the master's version");
        await("every replica equals the master").atMost(DEADLINE).until(() -> check().consistent());
        assertEquals(0, check().openConflicts());
    }

    @Test
    void aFailoverWriteMeetingANewerMasterWrite_keepsBothAsAConflict_onEveryNode_untilAResolutionIsSaved() throws Exception {
        client.docs("A").put(PutRequest.newBuilder().setPut(put("clash/1", "{\"v\":1}")).build());
        client.awaitReplicasCaughtUp(DEADLINE);

        killMasterAndFailoverPut("clash/1", "{\"v\":\"replica\"}");
        cluster.kill("B"); // B cannot hand it back while A takes a newer write of its own
        cluster.restart("A");
        client.docs("A").put(PutRequest.newBuilder().setPut(put("clash/1", "{\"v\":\"master\"}")).build());
        cluster.restart("B");

        for (String node : List.of("A", "B", "C")) {
            await("the conflict reaches " + node).atMost(DEADLINE).pollInterval(Duration.ofMillis(50))
                    .until(() -> ClusterClient.metadata(on(node, "clash/1")).path("@conflict").asBoolean(false));
        }
        JsonNode versions = ClusterClient.metadata(on("A", "clash/1")).get("@conflicts");
        assertEquals(2, versions.size(), versions.toString());
        assertEquals("A", versions.get(0).get("node").asText());
        assertEquals("master", versions.get(0).get("body").get("v").asText());
        assertEquals("B", versions.get(1).get("node").asText());
        assertEquals("replica", versions.get(1).get("body").get("v").asText());
        await("the replicas hold the master's conflict").atMost(DEADLINE).until(() -> check().consistent());
        ConsistencyReport report = check();
        assertEquals(1, report.openConflicts(), report.summary());
        assertTrue(report.summary().contains("1 documents in conflict on master A") && report.summary().contains("clash/1"),
                report.summary());

        // A save with the conflict's etag ends it everywhere.
        ByteString conflictEtag = on("A", "clash/1").getDocument().getEtag();
        client.docs("A").put(PutRequest.newBuilder().setPut(put("clash/1", "{\"v\":\"resolved\"}").toBuilder()
                .setExpectedEtag(conflictEtag)).build());
        for (String node : List.of("A", "B", "C")) {
            await("the resolution reaches " + node).atMost(DEADLINE).pollInterval(Duration.ofMillis(50))
                    .until(() -> body(on(node, "clash/1")).equals("{\"v\":\"resolved\"}")
                            && !ClusterClient.metadata(on(node, "clash/1")).has("@conflict"));
        }
        assertEquals(0, check().openConflicts());
    }

    @Test
    void underTheLatestPolicy_aLaterFailoverWriteWinsOverTheMastersEarlierOne_withoutAConflict() throws Exception {
        try (CorvidTestCluster latest = CorvidTestCluster.builder().directory(dir.resolve("latest")).nodes(2)
                .config("\"replication\": {\"conflicts\": \"latest\"}").start();
             ClusterClient c = new ClusterClient(latest)) {
            c.docs("A").put(PutRequest.newBuilder().setPut(put("late/1", "{\"v\":1}")).build());
            c.awaitReplicasCaughtUp(DEADLINE);
            latest.kill("B");
            c.docs("A").put(PutRequest.newBuilder().setPut(put("late/1", "{\"v\":\"master, earlier\"}")).build());
            latest.kill("A");
            latest.restart("B"); // its master is down: it takes failover writes, on top of v1
            await("B takes the failover write").atMost(DEADLINE).pollInterval(Duration.ofMillis(50))
                    .ignoreException(StatusRuntimeException.class)
                    .until(() -> c.docs("B").put(PutRequest.newBuilder().setPut(put("late/1", "{\"v\":\"replica, later\"}"))
                            .setOptions(FAILOVER).build()).getWrittenToReplica());
            latest.restart("A");
            for (String node : List.of("A", "B")) {
                await("the later version wins on " + node).atMost(DEADLINE).pollInterval(Duration.ofMillis(50))
                        .until(() -> c.get(node, List.of("late/1")).get(0).getDocument().getBodyJson().toStringUtf8()
                                .equals("{\"v\":\"replica, later\"}"));
            }
            assertFalse(ClusterClient.metadata(c.get("A", List.of("late/1")).get(0)).has("@conflict"));
        }
    }
}
