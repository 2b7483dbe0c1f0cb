package dev.corvid.node.rpc;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.proto.ExchangeRequest;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The time an Exchange call has. */
class CallDeadlineTest {

    @Test
    void aCallWithTimeLeft_isNotExpired() {
        assertFalse(CallDeadline.of(ExchangeRequest.newBuilder().setTimeoutMicros(TimeUnit.SECONDS.toMicros(5)).build()).expired());
    }

    @Test
    void aCallWithoutATimeout_neverExpires() {
        assertFalse(CallDeadline.of(ExchangeRequest.getDefaultInstance()).expired());
    }

    @Test
    void aCallWhoseTimeoutPassed_isExpired() {
        CallDeadline deadline = CallDeadline.of(ExchangeRequest.newBuilder().setTimeoutMicros(1).build());
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> System.nanoTime() - until > 0);
        assertTrue(deadline.expired());
    }
}
