package dev.corvid.node.replication;

import static dev.corvid.node.replication.ClusterClient.metadata;
import static dev.corvid.node.replication.ClusterClient.sourceEtag;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.corvid.node.storage.Etag;
import dev.corvid.testing.CorvidTestCluster;
import dev.corvid.node.wire.WireEtag;
import dev.corvid.proto.ClusterTopology;
import dev.corvid.proto.DeleteCommand;
import dev.corvid.proto.DeleteRequest;
import dev.corvid.proto.GetResult;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.NotMaster;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.ReplicaStatus;
import dev.corvid.proto.ReplicationAck;
import dev.corvid.proto.ReplicationGrpc;
import dev.corvid.proto.ReplicationHandshake;
import dev.corvid.proto.ReplicationMessage;
import dev.corvid.proto.WriteOptions;
import dev.corvid.probe.MultiProcess;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Push replication on a real three-node cluster: master A, replicas B and C. One cluster for the class. */
@MultiProcess
class ReplicationTest {

    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final List<String> REPLICAS = List.of("B", "C");

    @TempDir
    static Path dir;
    static CorvidTestCluster cluster;
    static ClusterClient client;

    @BeforeAll
    static void startCluster() {
        cluster = CorvidTestCluster.builder().directory(dir).nodes(3).start();
        client = new ClusterClient(cluster);
        // Every replica has an accepted stream from the master, so the tests start from a cluster
        // that replicates: on a slow start, a replica that has not heard from its master within
        // replication.masterTimeoutMillis of its own start counts it unreachable.
        client.awaitReplicasCaughtUp(DEADLINE);
    }

    @AfterAll
    static void stopCluster() {
        client.close();
        cluster.close();
    }

    private static GetResult awaitOn(String node, String id, java.util.function.Predicate<GetResult> until) {
        return await(id + " on " + node).atMost(DEADLINE).pollInterval(Duration.ofMillis(5))
                .until(() -> client.get(node, List.of(id)).get(0), until);
    }

    @Test
    void putUpdateDelete_onMaster_reachBothReplicas_stampedWithTheirOwnEtags() {
        String id = "people/1";
        Etag first = WireEtag.etag(client.docs("A").put(PutRequest.newBuilder().setPut(PutCommand.newBuilder()
                .setId(id).setMetadataJson(ByteString.copyFromUtf8("{\"@collection\":\"People\"}")).setBodyJson(ByteString.copyFromUtf8("{\"name\":\"Ayende\"}")))
                .build()).getResults(0).getEtag());
        for (String replica : REPLICAS) {
            GetResult doc = awaitOn(replica, id, GetResult::getFound);
            assertEquals("{\"name\":\"Ayende\"}", doc.getDocument().getBodyJson().toStringUtf8());
            assertEquals(first, sourceEtag(doc));
            assertEquals("A", metadata(doc).path("@replication-source").asText());
            assertEquals("People", metadata(doc).path("@collection").asText());
            assertNotEquals(first, WireEtag.etag(doc.getDocument().getEtag()), "a replica stamps its own etag");
        }

        Etag second = WireEtag.etag(client.docs("A").put(PutRequest.newBuilder().setPut(PutCommand.newBuilder()
                .setId(id).setBodyJson(ByteString.copyFromUtf8("{\"name\":\"Oren\"}")).setExpectedEtag(WireEtag.bytes(first))).build())
                .getResults(0).getEtag());
        List<Etag> replicaEtags = new ArrayList<>();
        for (String replica : REPLICAS) {
            GetResult doc = awaitOn(replica, id, r -> r.getFound() && sourceEtag(r).equals(second));
            assertEquals("{\"name\":\"Oren\"}", doc.getDocument().getBodyJson().toStringUtf8());
            replicaEtags.add(WireEtag.etag(doc.getDocument().getEtag()));
        }
        assertNotEquals(replicaEtags.get(0), replicaEtags.get(1), "B and C issue different etags");
        assertFalse(replicaEtags.contains(second));

        client.docs("A").delete(DeleteRequest.newBuilder().setDelete(DeleteCommand.newBuilder().setId(id)).build());
        for (String replica : REPLICAS) {
            awaitOn(replica, id, r -> !r.getFound());
        }
    }

    @Test
    void tenThousandDocuments_replicateCompletely_andInMasterEtagOrder() {
        int count = 10_000;
        long[] stampedBefore = REPLICAS.stream().mapToLong(client::changesStamped).toArray();
        List<Etag> masterEtags = new ArrayList<>(count);
        String body = "{\"text\":\"" + "x".repeat(200) + "\"}";
        for (int from = 0; from < count; from += 500) {
            masterEtags.addAll(client.putMany("bulk", from, 500, body));
        }
        List<String> ids = IntStream.range(0, count).mapToObj(i -> "bulk/" + i).toList();
        for (int r = 0; r < REPLICAS.size(); r++) {
            String replica = REPLICAS.get(r);
            awaitOn(replica, ids.get(count - 1), d -> d.getFound() && sourceEtag(d).equals(masterEtags.get(count - 1)));
            List<GetResult> docs = client.get(replica, ids);
            for (int i = 0; i < count; i++) {
                assertTrue(docs.get(i).getFound(), ids.get(i) + " missing on " + replica);
                assertEquals(masterEtags.get(i), sourceEtag(docs.get(i)), ids.get(i) + " on " + replica);
            }
            // Applied in master order: the replica's own etags sort the documents as the master's do.
            List<GetResult> byReplicaEtag = new ArrayList<>(docs);
            byReplicaEtag.sort(Comparator.comparing(d -> WireEtag.etag(d.getDocument().getEtag())));
            for (int i = 1; i < count; i++) {
                assertTrue(sourceEtag(byReplicaEtag.get(i)).compareTo(sourceEtag(byReplicaEtag.get(i - 1))) > 0,
                        "applied out of master order on " + replica + " at " + i);
            }
            assertEquals(count, client.changesStamped(replica) - stampedBefore[r], "changes stamped on " + replica);
        }
    }

    @Test
    void replica_refusesAClientWrite_withTheMastersAddress_andAFailoverWriteWhileItReachesTheMaster() throws Exception {
        PutCommand put = PutCommand.newBuilder().setId("failover/1").setBodyJson(ByteString.copyFromUtf8("{}")).build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> client.docs("B").put(PutRequest.newBuilder().setPut(put).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains(cluster.address("A")), e.getStatus().getDescription());
        assertEquals(cluster.address("A"), notMaster(e).getMasterAddress());

        // The master is up and streaming: a failover write would make C diverge for good.
        long before = client.stats("C").getFailoverWritesAccepted();
        StatusRuntimeException failover = assertThrows(StatusRuntimeException.class, () -> client.docs("C").put(
                PutRequest.newBuilder().setPut(put).setOptions(WriteOptions.newBuilder().setFailoverWrite(true)).build()));
        assertEquals(Status.Code.FAILED_PRECONDITION, failover.getStatus().getCode());
        assertTrue(failover.getStatus().getDescription().contains("can reach master 'A' at " + cluster.address("A")),
                failover.getStatus().getDescription());
        assertEquals("A", notMaster(failover).getMasterName());
        assertFalse(client.get("C", List.of("failover/1")).get(0).getFound());
        assertEquals(before, client.stats("C").getFailoverWritesAccepted());
    }

    private static NotMaster notMaster(StatusRuntimeException e) throws Exception {
        for (Any any : StatusProto.fromThrowable(e).getDetailsList()) {
            if (any.is(NotMaster.class)) {
                return any.unpack(NotMaster.class);
            }
        }
        throw new AssertionError("no NotMaster detail in " + e);
    }

    @Test
    void replicationStream_notNamingTheConfiguredMasterAndReplica_isRefused() throws Exception {
        NodeStats master = client.stats("A");
        ReplicationHandshake genuine = ReplicationHandshake.newBuilder().setCluster(CorvidTestCluster.NAME)
                .setMasterName("A").setMasterNodeTag(master.getNodeTag()).setReplicaName("B")
                .setStreamId(ByteString.copyFrom(new byte[16])).build();
        List<ReplicationHandshake> impostors = List.of(
                genuine.toBuilder().setMasterName("C").build(),
                genuine.toBuilder().setCluster("other").build(),
                genuine.toBuilder().setReplicaName("C").build());
        for (ReplicationHandshake handshake : impostors) {
            assertEquals(Status.Code.PERMISSION_DENIED, openStream("B", handshake).getCode(), handshake.toString());
        }
        assertEquals(Status.Code.PERMISSION_DENIED, openStream("A", genuine.toBuilder().setReplicaName("A").build()).getCode(),
                "the master takes no stream");
        // The right names only earn a challenge (see ForgedReplicationTest for the rest).
        assertEquals(Status.Code.OK, openStream("B", genuine).getCode());
    }

    /** Opens a replication stream with {@code handshake} and returns how it ended. */
    private static Status openStream(String node, ReplicationHandshake handshake) throws Exception {
        CompletableFuture<Status> ended = new CompletableFuture<>();
        StreamObserver<ReplicationMessage> requests = ReplicationGrpc.newStub(client.channel(node))
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .replicate(new StreamObserver<>() {
                    @Override
                    public void onNext(ReplicationAck ack) {
                        ended.complete(Status.OK.withDescription("answered " + ack));
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
        requests.onNext(ReplicationMessage.newBuilder().setHandshake(handshake).build());
        Status status = ended.get(30, TimeUnit.SECONDS);
        requests.onCompleted();
        return status;
    }

    @Test
    void topology_onEveryNode_andStats_showReplicationProgress() {
        Etag last = client.putMany("topology", 0, 10, "{}").get(9);
        client.awaitReplicasCaughtUp(DEADLINE);
        for (String node : cluster.nodes()) {
            ClusterTopology topology = client.topology(node);
            assertEquals(CorvidTestCluster.NAME, topology.getCluster());
            assertEquals(node, topology.getAnsweredBy());
            assertEquals("A", topology.getMaster().getName());
            assertEquals(cluster.address("A"), topology.getMaster().getAddress());
            assertEquals(REPLICAS, topology.getReplicasList().stream().map(ReplicaStatus::getName).toList());
            for (ReplicaStatus r : topology.getReplicasList()) {
                assertEquals(cluster.address(r.getName()), r.getAddress());
                boolean knows = node.equals("A") || node.equals(r.getName());
                assertEquals(knows, r.hasLastAppliedEtag(), node + " about " + r.getName());
            }
        }
        // The master knows everything about each replica; a replica its own last applied etag.
        NodeStats master = client.stats("A");
        assertEquals(2, master.getReplicasCount());
        for (ReplicaStatus r : master.getReplicasList()) {
            assertTrue(r.getConnected(), r.toString());
            assertEquals(0, r.getChangesBehind(), r.toString());
            assertEquals(0, r.getLagMs(), r.toString());
            assertTrue(WireEtag.etag(r.getLastAppliedEtag()).compareTo(last) >= 0, r.toString());
        }
        for (String replica : REPLICAS) {
            NodeStats stats = client.stats(replica);
            assertTrue(WireEtag.etag(stats.getLastAppliedMasterEtag()).compareTo(last) >= 0, stats.toString());
            assertEquals(1, stats.getReplicasCount());
            assertTrue(stats.getReplicas(0).getConnected(), stats.toString());
        }
    }
}
