package dev.corvid.node.replication;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.node.replication.WriteConfirmations.Confirmation;
import dev.corvid.node.storage.Etag;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConfirmationWaitersTest {

    private static final int TAG = 0x00ABCD;
    private static final Duration LONG = Duration.ofSeconds(30);

    private final AtomicReference<Etag> b = new AtomicReference<>();
    private final AtomicReference<Etag> c = new AtomicReference<>();
    private final ConfirmationWaiters waiters = new ConfirmationWaiters(List.of(b::get, c::get));

    @AfterEach
    void close() {
        waiters.close();
    }

    private static Etag etag(long change) {
        return Etag.of(TAG, 1, change);
    }

    private void confirm(AtomicReference<Etag> replica, long change) {
        replica.set(etag(change));
        waiters.confirmed();
    }

    @Test
    void aWait_isMetOnlyOnceEnoughReplicasConfirmedTheWritesEtagOrALaterOne() {
        CompletableFuture<Confirmation> one = waiters.await(etag(10), 1, LONG);
        CompletableFuture<Confirmation> two = waiters.await(etag(10), 2, LONG);
        confirm(b, 9);
        assertFalse(one.isDone(), "an earlier etag is not the write");
        confirm(b, 12);
        assertTrue(one.isDone());
        assertEquals(Confirmation.met(1), one.join());
        assertFalse(two.isDone(), "one replica of two");
        confirm(c, 10);
        assertEquals(Confirmation.met(2), two.join());
    }

    @Test
    void waitsAskingForFewerReplicas_areMetAlthoughAnEarlierOneAskingForMoreIsNot() {
        CompletableFuture<Confirmation> twoEarly = waiters.await(etag(5), 2, LONG);
        CompletableFuture<Confirmation> oneLate = waiters.await(etag(8), 1, LONG);
        confirm(b, 8);
        assertTrue(oneLate.isDone());
        assertFalse(twoEarly.isDone());
    }

    @Test
    void aWaitAlreadyMetWhenAsked_completesAtOnce_andAWriteThatChangedNothingWaitsForNothing() {
        confirm(b, 20);
        confirm(c, 20);
        assertEquals(Confirmation.met(2), waiters.await(etag(15), 2, LONG).join());
        assertEquals(Confirmation.met(2), waiters.await(null, 2, LONG).join());
    }

    @Test
    void anEtagOfAnotherNodeTag_isNoConfirmation() {
        CompletableFuture<Confirmation> one = waiters.await(etag(3), 1, LONG);
        b.set(Etag.of(TAG ^ 1, 1, 1_000));
        waiters.confirmed();
        assertFalse(one.isDone());
    }

    @Test
    void aWaitThatRunsOut_isUnmet_withHowManyReplicasHadIt() {
        confirm(b, 50);
        Confirmation c = waiters.await(etag(50), 2, Duration.ofMillis(50)).join();
        assertFalse(c.isMet());
        assertEquals(1, c.confirmed());
        assertTrue(c.unmet().contains("only 1 of the 2 of 2 replicas asked for") && c.unmet().contains("within 50 ms"), c.unmet());
    }

    @Test
    void closing_endsEveryWaitUnmet_andLaterWaitsAtOnce() {
        CompletableFuture<Confirmation> pending = waiters.await(etag(1), 1, LONG);
        waiters.close();
        assertTrue(pending.join().unmet().contains("stopping"), pending.join().toString());
        assertTrue(waiters.await(etag(1), 1, LONG).join().unmet().contains("stopping"));
    }

    @Test
    void manyWaits_metByOneConfirmation_allComplete_andNoneIsLeftBehind() {
        List<CompletableFuture<Confirmation>> all = new java.util.ArrayList<>();
        for (int i = 1; i <= 1_000; i++) {
            all.add(waiters.await(etag(i), 1 + i % 2, LONG));
        }
        confirm(b, 1_000);
        confirm(c, 1_000);
        await().atMost(Duration.ofSeconds(10)).until(() -> all.stream().allMatch(CompletableFuture::isDone));
        all.forEach(f -> assertNull(f.join().unmet()));
    }

    @Test
    void askingForNoReplicaOrMoreThanThereAre_isACallersMistake() {
        assertThrows(IllegalArgumentException.class, () -> waiters.await(etag(1), 0, LONG));
        assertThrows(IllegalArgumentException.class, () -> waiters.await(etag(1), 3, LONG));
    }
}
