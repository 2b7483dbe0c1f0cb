package dev.corvid.node.replication;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.node.cluster.Mastership;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.LogStorage;
import dev.corvid.node.storage.MetadataKeys;
import dev.corvid.node.storage.StorageOptions;
import dev.corvid.node.storage.WriteBatch;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the replica's next hand-back starts reading its feed: right after the last change while
 * nothing waits to be handed back, so a restart after a long replication reads no history; never
 * beyond a failover write that is not handed back yet. A real storage; no master is called, as
 * there is nothing to hand back.
 */
class FailoverHandbackProgressTest {

    private static final Duration DEADLINE = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private LogStorage storage;
    private FailoverHandback handback;

    @BeforeEach
    void open() {
        ClusterConfig cluster = ClusterConfig.parse("{\"nodes\": ["
                + "{\"name\": \"A\", \"host\": \"127.0.0.1\", \"port\": 1, \"dataDir\": \"A\", \"role\": \"master\"},"
                + "{\"name\": \"B\", \"host\": \"127.0.0.1\", \"port\": 2, \"dataDir\": \"B\", \"role\": \"replica\"}]}", dir, "test config");
        storage = LogStorage.open(new StorageOptions(cluster.node("B").dataDirectory(),
                StorageOptions.DEFAULT_MAX_DOCUMENT_BYTES, 128 * 1024));
        MasterConfirmation noMasterCalled = new MasterConfirmation(address -> {
            throw new AssertionError("nothing to hand back, yet the master at " + address + " was called");
        }, Duration.ofSeconds(5));
        handback = new FailoverHandback(storage, cluster, cluster.node("B"), Mastership.fixed(cluster, "B"),
                noMasterCalled, Duration.ofSeconds(5));
    }

    @AfterEach
    void close() {
        handback.close();
        storage.close();
    }

    private Etag put(String id, String metadata) {
        return storage.write(WriteBatch.builder().put(id, metadata, "{\"v\": 1}", null).build()).get(0).etag();
    }

    private Etag progress() {
        return storage.lastAppliedFrom(FailoverHandback.PROGRESS);
    }

    @Test
    void withNothingToHandBack_theProgressFollowsTheFeedToItsLastChange() {
        handback.run(Takeover.FIRST).join();
        for (int i = 0; i < 200; i++) {
            put("things/" + i, "{\"@collection\": \"Things\"}");
        }
        Etag last = storage.lastEtag();
        await("the progress reaches the feed's last change").atMost(DEADLINE).until(() -> last.equals(progress()));
    }

    @Test
    void aFailoverWriteNotHandedBack_keepsTheProgressBeforeIt() {
        handback.run(Takeover.FIRST).join();
        Etag before = put("things/before", "{\"@collection\": \"Things\"}");
        await("the progress reaches the first change").atMost(DEADLINE).until(() -> before.equals(progress()));

        handback.enter();
        Etag marked = put("things/failover", "{\"@collection\": \"Things\", \"" + MetadataKeys.FAILOVER_WRITE + "\": true}");
        handback.exit(true);
        for (int i = 0; i < 20; i++) {
            put("things/after-" + i, "{\"@collection\": \"Things\"}");
        }

        long twoAdvances = TimeUnit.NANOSECONDS.toMillis(2 * FailoverHandback.ADVANCE_INTERVAL_NANOS);
        await("the progress stays before the failover write").during(Duration.ofMillis(twoAdvances))
                .atMost(DEADLINE).until(() -> before.equals(progress()));
        assertTrue(progress().compareTo(marked) < 0);
    }

    @Test
    void aRunThatFindsNoFailoverWrite_recordsTheFeedsEnd_andTheProgressFollowsAgain() {
        handback.enter();
        handback.exit(false); // refused: nothing was written
        put("things/1", "{\"@collection\": \"Things\"}");
        handback.run(Takeover.FIRST).join();
        assertEquals(storage.lastEtag(), progress(), "the run read the feed to its end");

        Etag later = put("things/2", "{\"@collection\": \"Things\"}");
        await("the progress follows the feed after the run").atMost(DEADLINE).until(() -> later.equals(progress()));
    }
}
