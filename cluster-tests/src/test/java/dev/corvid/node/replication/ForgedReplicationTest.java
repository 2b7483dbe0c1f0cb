package dev.corvid.node.replication;

import static dev.corvid.node.replication.HandMadeStream.batch;
import static dev.corvid.node.replication.HandMadeStream.etag;
import static dev.corvid.node.replication.HandMadeStream.handshake;
import static dev.corvid.node.replication.HandMadeStream.shifted;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.corvid.node.CorvidNode;
import dev.corvid.node.cli.ConsistencyReport;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.Limits;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.storage.Etag;
import dev.corvid.testing.CorvidTestCluster;
import dev.corvid.probe.Ports;
import dev.corvid.node.testing.TextEtags;
import dev.corvid.node.wire.WireEtag;
import dev.corvid.proto.ChangeBatch;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.HandBackRequest;
import dev.corvid.proto.HandedBackVersion;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.ReplicaStatus;
import dev.corvid.proto.ReplicationAck;
import dev.corvid.proto.ReplicationGrpc;
import dev.corvid.proto.ReplicationHandshake;
import dev.corvid.proto.ReplicationMessage;
import dev.corvid.proto.StatsRequest;
import dev.corvid.probe.MultiProcess;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replication streams that anyone on the network can open, against a real master A and replica B:
 * they know the cluster's name, the master's name and node tag (all in Stats), but not the secret.
 * The replica refuses them before anything is applied, and real replication goes on as before.
 */
@MultiProcess
class ForgedReplicationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);

    @TempDir
    static Path dir;
    static CorvidTestCluster cluster;
    static ClusterClient client;

    @BeforeAll
    static void startCluster() {
        cluster = CorvidTestCluster.builder().directory(dir).nodes(2).start();
        client = new ClusterClient(cluster);
    }

    @AfterAll
    static void stopCluster() {
        client.close();
        cluster.close();
    }

    private static ReplicationHandshake asTheMaster() {
        NodeStats master = client.stats("A");
        return handshake(CorvidTestCluster.NAME, master.getNodeName(), master.getNodeTag(), "B");
    }

    @Test
    void streamWithoutTheSecret_isRefusedPermissionDenied_andItsFarFutureChangeIsNeverApplied() throws Exception {
        client.putMany("before", 0, 5, "{}");
        client.awaitReplicasCaughtUp(DEADLINE);
        ReplicationHandshake forged = asTheMaster();
        String farFuture = etag(forged.getMasterNodeTag(), 0xFFFF_FFFFL, Long.MAX_VALUE >>> 4);

        // No proof at all: the change right after the handshake is refused.
        try (HandMadeStream s = new HandMadeStream(client.channel("B"))) {
            ReplicationAck challenge = s.send(forged).nextAck();
            assertEquals(32, challenge.getChallenge().size(), "the replica answers with a challenge, not its etag");
            assertTrue(challenge.getLastAppliedEtag().isEmpty(), "nothing about its state before the proof");
            s.send(batch("forged/1", farFuture));
            assertStatus(Status.Code.PERMISSION_DENIED, "before the stream proved it comes from the master", s.awaitEnd());
        }
        // A proof made with a guessed secret.
        try (HandMadeStream s = new HandMadeStream(client.channel("B"))) {
            ByteString challenge = s.send(forged).nextAck().getChallenge();
            s.sendProof(HandMadeStream.proof("a guess of the secret", challenge, forged)).send(batch("forged/2", farFuture));
            assertStatus(Status.Code.PERMISSION_DENIED, "does not prove it knows the cluster's secret", s.awaitEnd());
        }
        // A captured proof replayed on another stream: the replica's challenge is new every time.
        ByteString captured;
        ByteString firstChallenge;
        try (HandMadeStream first = new HandMadeStream(client.channel("B"))) {
            firstChallenge = first.send(forged).nextAck().getChallenge();
            captured = HandMadeStream.proof(cluster.secret(), firstChallenge, forged); // what the master would have sent
        }
        try (HandMadeStream replay = new HandMadeStream(client.channel("B"))) {
            ByteString challenge = replay.send(forged).nextAck().getChallenge();
            assertNotEquals(firstChallenge, challenge);
            replay.sendProof(captured).send(batch("forged/3", farFuture));
            assertStatus(Status.Code.PERMISSION_DENIED, "does not prove it knows the cluster's secret", replay.awaitEnd());
        }

        assertNothingForgedOnB("forged/1", "forged/2", "forged/3");
        assertTrue(cluster.logTail("B", 400).contains("rejected: replication refused by 'B'")
                && cluster.logTail("B", 400).contains("replication stream from /127.0.0.1:"), cluster.logTail("B", 40));
        assertRealReplicationGoesOn();
    }

    @Test
    void provedStream_withAChangeTheMastersSequenceCannotHold_isCutInvalidArgument_andNothingOfTheBatchApplied()
            throws Exception {
        // The test plays a master that knows the secret but sends impossible etags (a bug, or a
        // machine in the middle of a plaintext channel): still nothing of such a batch is applied.
        client.putMany("settled", 0, 5, "{}");
        client.awaitReplicasCaughtUp(DEADLINE);
        ReplicationHandshake master = asTheMaster();
        String tag = master.getMasterNodeTag();
        String foreignTag = String.format("%06X", Integer.parseInt(tag, 16) ^ 1);
        String applied;
        try (HandMadeStream s = new HandMadeStream(client.channel("B"))) {
            applied = WireEtag.text(s.proveAs(master, cluster.secret()).getLastAppliedEtag());
        }
        assertEquals(WireEtag.text(client.stats("A").getLastEtag()), applied);

        String[][] impossible = {
                {"forged/tag", etag(foreignTag, 1, Etag.parse(applied).change() + 1)},   // another node's etag
                {"forged/old", applied},                                                 // not after what it has
                {"forged/ok", shifted(applied, 1), "forged/back", shifted(applied, -1)}, // out of order inside the batch
        };
        for (String[] changes : impossible) {
            try (HandMadeStream s = new HandMadeStream(client.channel("B"))) {
                assertEquals(applied, WireEtag.text(s.proveAs(master, cluster.secret()).getLastAppliedEtag()));
                s.send(batch(changes));
                assertStatus(Status.Code.INVALID_ARGUMENT, "nothing of the batch was applied", s.awaitEnd());
            }
        }
        // A position ("through": the master left changes out) its feed cannot hold: another node's,
        // not after what the replica has, or before the batch's own change.
        long next = Etag.parse(applied).change() + 1;
        ReplicationMessage[] impossiblePositions = {
                through(ChangeBatch.newBuilder(), etag(foreignTag, 1, next + 5)),
                through(ChangeBatch.newBuilder(), applied),
                through(batch("forged/ahead", shifted(applied, 3)).getBatch().toBuilder(), shifted(applied, 2)),
        };
        for (ReplicationMessage m : impossiblePositions) {
            try (HandMadeStream s = new HandMadeStream(client.channel("B"))) {
                assertEquals(applied, WireEtag.text(s.proveAs(master, cluster.secret()).getLastAppliedEtag()));
                s.send(m);
                assertStatus(Status.Code.INVALID_ARGUMENT, "nothing of the batch was applied", s.awaitEnd());
            }
        }
        assertNothingForgedOnB("forged/tag", "forged/old", "forged/ok", "forged/back", "forged/ahead");
        assertEquals(applied, WireEtag.text(client.stats("B").getLastAppliedMasterEtag()));
        assertRealReplicationGoesOn();
    }

    private static ReplicationMessage through(ChangeBatch.Builder batch, String etag) {
        return ReplicationMessage.newBuilder().setBatch(batch.setThrough(TextEtags.wire(etag))).build();
    }

    @Test
    void withoutASecretOnLoopback_aStreamTheMasterDidNotOpen_isRefused_whileTheMastersOwnIsTaken() throws Exception {
        Path nodes = dir.resolve("no-secret");
        List<Integer> ports = Ports.freePorts(2);
        ClusterConfig config = new ClusterConfig("loopback", List.of(
                new NodeConfig("A", "127.0.0.1", ports.get(0), nodes.resolve("A"), NodeConfig.Role.MASTER),
                new NodeConfig("B", "127.0.0.1", ports.get(1), nodes.resolve("B"), NodeConfig.Role.REPLICA)),
                Limits.DEFAULT);
        try (CorvidNode b = CorvidNode.start(config, "B"); CorvidNode a = CorvidNode.start(config, "A")) {
            ManagedChannel toA = NettyChannelBuilder.forTarget(a.address()).usePlaintext().build();
            ManagedChannel toB = NettyChannelBuilder.forTarget(b.address()).usePlaintext().build();
            try {
                DocumentsGrpc.DocumentsBlockingStub docsA = DocumentsGrpc.newBlockingStub(toA).withDeadlineAfter(60, TimeUnit.SECONDS);
                DocumentsGrpc.DocumentsBlockingStub docsB = DocumentsGrpc.newBlockingStub(toB).withDeadlineAfter(60, TimeUnit.SECONDS);
                docsA.put(PutRequest.newBuilder().setPut(PutCommand.newBuilder().setId("real/1")
                        .setBodyJson(ByteString.copyFromUtf8("{}"))).build());
                await("the master's own stream confirmed and applied").atMost(DEADLINE).pollInterval(Duration.ofMillis(20))
                        .until(() -> docsB.get(GetRequest.newBuilder().addIds("real/1").build()).getResults(0).getFound());

                NodeStats master = docsA.stats(StatsRequest.getDefaultInstance());
                ReplicationHandshake forged = handshake("loopback", "A", master.getNodeTag(), "B");
                String farFuture = etag(master.getNodeTag(), 0xFFFF_FFFFL, Long.MAX_VALUE >>> 4);
                try (HandMadeStream s = new HandMadeStream(toB)) {
                    s.send(forged); // the replica asks A, which never opened this stream
                    assertStatus(Status.Code.PERMISSION_DENIED, "did not open this stream", s.awaitEnd());
                }
                try (HandMadeStream s = new HandMadeStream(toB)) {
                    s.send(handshake("loopback", "A", master.getNodeTag(), "B")).send(batch("forged/1", farFuture));
                    // Refused either for the batch that came before any proof or, when A's answer
                    // is quicker than the batch, because A did not open the stream: a race of two
                    // refusals, and nothing applied in either.
                    Status refused = s.awaitEnd();
                    assertEquals(Status.Code.PERMISSION_DENIED, refused.getCode(), refused.toString());
                    assertTrue(refused.getDescription().contains("before the stream proved it comes from the master")
                            || refused.getDescription().contains("did not open this stream"), refused.toString());
                }
                assertFalse(docsB.get(GetRequest.newBuilder().addIds("forged/1").build()).getResults(0).getFound());
                ReplicaStatus seen = docsA.stats(StatsRequest.getDefaultInstance()).getReplicas(0);
                assertTrue(seen.getConnected() && !seen.hasDiverged(), seen.toString());
            } finally {
                toA.shutdownNow();
                toB.shutdownNow();
            }
        }
    }

    @Test
    void aHandBackThatDoesNotProveItComesFromAReplica_isRefused_andDecidesNothing() throws Exception {
        client.putMany("handback-target", 0, 1, "{\"v\":\"master\"}");
        client.awaitReplicasCaughtUp(DEADLINE);
        HandBackRequest.Builder forged = HandBackRequest.newBuilder().setCluster(CorvidTestCluster.NAME).setReplicaName("B")
                .addVersions(HandedBackVersion.newBuilder().setId("handback-target/0")
                        .setEtag(TextEtags.wire(etag("0000B0", 1, 99))).setMetadataJson(ByteString.copyFromUtf8("{}"))
                        .setBodyJson(ByteString.copyFromUtf8("{\"v\":\"forged\"}")));
        ReplicationGrpc.ReplicationBlockingStub toA = ReplicationGrpc.newBlockingStub(client.channel("A"))
                .withDeadlineAfter(30, TimeUnit.SECONDS);
        ReplicationGrpc.ReplicationBlockingStub toB = ReplicationGrpc.newBlockingStub(client.channel("B"))
                .withDeadlineAfter(30, TimeUnit.SECONDS);
        assertStatus(Status.Code.PERMISSION_DENIED, "does not prove it knows the cluster's secret",
                Status.fromThrowable(assertThrows(StatusRuntimeException.class, () -> toA.handBack(forged.build()))));
        assertStatus(Status.Code.PERMISSION_DENIED, "does not prove it knows the cluster's secret", Status.fromThrowable(
                assertThrows(StatusRuntimeException.class, () -> toA.handBack(forged.setProof(ByteString.copyFrom(new byte[32])).build()))));
        assertStatus(Status.Code.PERMISSION_DENIED, "is not a replica of cluster", Status.fromThrowable(
                assertThrows(StatusRuntimeException.class, () -> toA.handBack(forged.setReplicaName("Z").build()))));
        assertStatus(Status.Code.FAILED_PRECONDITION, "", Status.fromThrowable(
                assertThrows(StatusRuntimeException.class, () -> toB.handBack(forged.setReplicaName("B").build()))));
        assertEquals("{\"v\":\"master\"}", client.get("A", List.of("handback-target/0")).get(0).getDocument()
                .getBodyJson().toStringUtf8(), "nothing was decided");
    }

    private static void assertStatus(Status.Code code, String descriptionPart, Status status) {
        assertEquals(code, status.getCode(), status.toString());
        assertTrue(status.getDescription() != null && status.getDescription().contains(descriptionPart), status.toString());
    }

    private static void assertNothingForgedOnB(String... ids) {
        client.get("B", List.of(ids)).forEach(r -> assertFalse(r.getFound(), r.toString()));
        String applied = WireEtag.text(client.stats("B").getLastAppliedMasterEtag());
        String masterLast = WireEtag.text(client.stats("A").getLastEtag());
        assertTrue(Etag.parse(applied).compareTo(Etag.parse(masterLast)) <= 0,
                "B claims " + applied + ", after the master's last " + masterLast);
    }

    /** Real writes still reach B, the master reports it caught up only when it is, and the check passes. */
    private static void assertRealReplicationGoesOn() throws Exception {
        Etag last = client.putMany("after-" + System.nanoTime(), 0, 20, "{\"real\":true}").get(19);
        client.awaitReplicasCaughtUp(DEADLINE);
        assertEquals(last.toString(), WireEtag.text(client.stats("B").getLastAppliedMasterEtag()));
        ReplicaStatus b = client.topology("A").getReplicas(0);
        assertTrue(b.getConnected() && b.getChangesBehind() == 0 && !b.hasDiverged(), b.toString());
        assertEquals(last.toString(), WireEtag.text(b.getLastAppliedEtag()));
        ConsistencyReport report = cluster.checkConsistency(Duration.ofSeconds(30));
        assertTrue(report.consistent(), report.summary());
    }
}
