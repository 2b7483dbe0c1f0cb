package dev.corvid.node.rpc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.proto.ExchangeRequest;
import io.grpc.Context;
import io.grpc.Deadline;
import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The time an Exchange call has, and the gRPC context it runs in. */
class CallScopeTest {

    /** Like the node's timer, which drops cancelled tasks at once. */
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);

    CallScopeTest() {
        timer.setRemoveOnCancelPolicy(true);
    }

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    @Test
    void aCallRunsInAContextWithItsDeadline_endedOnceItIsAnswered() {
        CallScope scope = CallScope.of(ExchangeRequest.newBuilder().setTimeoutMicros(TimeUnit.SECONDS.toMicros(5)).build());
        assertFalse(scope.expired());
        AtomicReference<Context> seen = new AtomicReference<>();
        scope.startIn(timer, () -> seen.set(Context.current()));
        Deadline deadline = seen.get().getDeadline();
        assertTrue(deadline != null && deadline.timeRemaining(TimeUnit.MILLISECONDS) <= 5_000, "deadline " + deadline);
        assertFalse(seen.get().isCancelled());
        scope.end();
        assertTrue(seen.get().isCancelled(), "the answered call's context ends");
        assertTrue(timer.getQueue().isEmpty(), "and releases its timer");
    }

    @Test
    void aCallWithoutATimeout_hasNoDeadline_andNeverExpires() {
        CallScope scope = CallScope.of(ExchangeRequest.getDefaultInstance());
        AtomicReference<Context> seen = new AtomicReference<>();
        scope.startIn(timer, () -> seen.set(Context.current()));
        assertNull(seen.get().getDeadline());
        assertFalse(scope.expired());
        scope.end();
    }

    @Test
    void aCallWhoseTimeoutPassed_isExpired() {
        CallScope scope = CallScope.of(ExchangeRequest.newBuilder().setTimeoutMicros(1).build());
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> System.nanoTime() - until > 0);
        assertTrue(scope.expired());
    }
}
