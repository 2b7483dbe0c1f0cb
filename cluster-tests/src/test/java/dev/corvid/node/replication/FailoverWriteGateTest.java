package dev.corvid.node.replication;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.corvid.node.config.ReplicationSettings;
import dev.corvid.testing.CorvidTestCluster;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.NotMaster;
import dev.corvid.proto.PutCommand;
import dev.corvid.proto.PutRequest;
import dev.corvid.proto.WriteOptions;
import dev.corvid.probe.MultiProcess;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replica takes a failover write only while it cannot reach its master, and learns that from the
 * replication stream (the master's heartbeats), with the default settings: master A, replica B.
 */
@MultiProcess
class FailoverWriteGateTest {

    private static final Duration TIMEOUT = ReplicationSettings.DEFAULT.masterTimeout();
    private static final Duration HEARTBEAT = ReplicationSettings.DEFAULT.heartbeat();
    /** Room for a loaded machine (two cores shared with other builds) on top of the timeout. */
    private static final Duration SLACK = Duration.ofSeconds(3);

    @TempDir
    Path dir;

    private static PutRequest failoverPut(String id) {
        return PutRequest.newBuilder().setPut(PutCommand.newBuilder().setId(id)
                        .setMetadataJson(ByteString.copyFromUtf8("{\"@collection\":\"Failover\"}"))
                        .setBodyJson(ByteString.copyFromUtf8("{\"written\":\"on B\"}")))
                .setOptions(WriteOptions.newBuilder().setFailoverWrite(true)).build();
    }

    /** Tries a failover write on B: true when B took it, false when it refused it naming the master. */
    private static boolean tryFailoverWrite(ClusterClient client, CorvidTestCluster cluster, String id) throws Exception {
        try {
            assertTrue(client.docs("B").put(failoverPut(id)).getWrittenToReplica());
            return true;
        } catch (StatusRuntimeException e) {
            assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode(), e.toString());
            assertTrue(e.getStatus().getDescription().contains("can reach master 'A' at " + cluster.address("A")),
                    e.getStatus().getDescription());
            NotMaster detail = null;
            for (Any any : StatusProto.fromThrowable(e).getDetailsList()) {
                if (any.is(NotMaster.class)) {
                    detail = any.unpack(NotMaster.class);
                }
            }
            assertEquals(cluster.address("A"), detail.getMasterAddress());
            return false;
        }
    }

    @Test
    void failoverWrite_isRefusedWhileTheMasterStreams_andTakenOnceItIsPausedOrKilled() throws Exception {
        try (CorvidTestCluster cluster = CorvidTestCluster.builder().directory(dir).nodes(2).start(); ClusterClient client = new ClusterClient(cluster)) {
            client.putMany("seed", 0, 3, "{}");
            client.awaitReplicasCaughtUp(Duration.ofSeconds(60));

            // The master is up: refused, and nothing changes on B.
            NodeStats before = client.stats("B");
            assertFalse(tryFailoverWrite(client, cluster, "failover/up"));
            NodeStats after = client.stats("B");
            assertFalse(client.get("B", List.of("failover/up")).get(0).getFound());
            assertEquals(before.getLastEtag(), after.getLastEtag());
            assertEquals(before.getDocumentCount(), after.getDocumentCount());
            assertEquals(0, after.getFailoverWritesAccepted());

            // Paused (SIGSTOP): its connection stays open but carries nothing; B waits out the timeout.
            cluster.pause("A");
            long paused = System.nanoTime();
            try {
                assertFalse(tryFailoverWrite(client, cluster, "failover/just-paused"), "the timeout has not passed yet");
                await("B takes a failover write once A has been silent for the master timeout")
                        .atMost(TIMEOUT.plus(SLACK)).pollInterval(Duration.ofMillis(100))
                        .until(() -> tryFailoverWrite(client, cluster, "failover/paused"));
                long waited = Duration.ofNanos(System.nanoTime() - paused).toMillis();
                System.out.printf("failover gate: master paused -> failover write taken after %d ms (timeout %d ms)%n",
                        waited, TIMEOUT.toMillis());
                assertTrue(waited >= TIMEOUT.minus(HEARTBEAT).toMillis(), "taken after " + waited + " ms");
            } finally {
                cluster.resume("A");
            }

            // Resumed: its heartbeats reach B again, and B refuses again.
            await("B refuses failover writes once A streams again").atMost(TIMEOUT.plus(SLACK))
                    .pollInterval(Duration.ofMillis(100)).until(() -> !tryFailoverWrite(client, cluster, "failover/resumed"));

            // Killed: the stream's connection closes, and B takes failover writes within the timeout.
            cluster.kill("A");
            long killed = System.nanoTime();
            await("B takes a failover write after A was killed").atMost(TIMEOUT.plus(SLACK))
                    .pollInterval(Duration.ofMillis(20)).until(() -> tryFailoverWrite(client, cluster, "failover/killed"));
            long waited = Duration.ofNanos(System.nanoTime() - killed).toMillis();
            System.out.printf("failover gate: master killed -> failover write taken after %d ms%n", waited);
            assertTrue(waited <= TIMEOUT.toMillis(), "taken after " + waited + " ms, over the master timeout");
            assertTrue(client.get("B", List.of("failover/killed")).get(0).getFound());
            assertTrue(client.stats("B").getFailoverWritesAccepted() >= 2, "one while paused, one after the kill");
        }
    }
}
