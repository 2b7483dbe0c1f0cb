package dev.corvid.node.replication;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MasterLivenessTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final MasterLiveness liveness = new MasterLiveness(Duration.ofSeconds(3), now::get);

    private void advanceMillis(long millis) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Test
    void justStarted_countsTheMasterReachable_untilTheTimeoutHasPassedWithoutAWord() {
        assertTrue(liveness.reachable());
        assertTrue(liveness.describe().contains("has not heard from it yet"), liveness.describe());
        advanceMillis(2_999);
        assertTrue(liveness.reachable());
        advanceMillis(1);
        assertFalse(liveness.reachable());
    }

    @Test
    void everyMessage_keepsTheMasterReachable_forOneTimeoutMore() {
        advanceMillis(2_000);
        liveness.heard();
        advanceMillis(2_500);
        assertTrue(liveness.reachable(), "2.5 s after the last heartbeat");
        assertTrue(liveness.describe().contains("last heard from it 2500 ms ago"), liveness.describe());
        liveness.heard();
        advanceMillis(2_999);
        assertTrue(liveness.reachable());
        advanceMillis(1);
        assertFalse(liveness.reachable(), "a paused master: no heartbeat for 3 s");
        liveness.heard();
        assertTrue(liveness.reachable(), "it came back");
    }

    @Test
    void theLastStreamEnding_makesTheMasterUnreachableAtOnce() {
        liveness.heard();
        advanceMillis(10);
        liveness.lost();
        assertFalse(liveness.reachable(), "a killed master's connection closes: no need to wait");
        liveness.heard();
        assertTrue(liveness.reachable());
    }
}
