package dev.corvid.node.consensus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class MasterLeaseTest {

    private final AtomicLong now = new AtomicLong(5_000_000_000L);
    private final MasterLease lease = new MasterLease("B", Duration.ofMillis(1_000), now::get);

    private void advanceMillis(long millis) {
        now.addAndGet(TimeUnit.MILLISECONDS.toNanos(millis));
    }

    @Test
    void aReplica_neverHoldsALease() {
        lease.onState(new ClusterEpoch(1, "A", false, true));
        lease.renewed(1, now.get());
        assertEquals(0, lease.epochToRenew());
        assertFalse(lease.holdsLease());
        assertFalse(lease.mayAcknowledge());
    }

    @Test
    void aRenewal_holdsALeaseFromWhenItWasSent_notFromTheAnswer() {
        lease.onState(new ClusterEpoch(1, "B", false, true));
        assertEquals(1, lease.epochToRenew());
        assertFalse(lease.holdsLease(), "no renewal yet");
        long sent = now.get();
        advanceMillis(300); // the answer took 300 ms
        lease.renewed(1, sent);
        assertTrue(lease.mayAcknowledge(), "epoch 1 has no predecessor to wait for");
        assertEquals(sent + 1_000_000_000L, lease.validUntilNanos());
        advanceMillis(699);
        assertTrue(lease.holdsLease());
        advanceMillis(1);
        assertFalse(lease.holdsLease(), "1,000 ms after sending");
        assertFalse(lease.mayAcknowledge());
    }

    @Test
    void anOlderRenewalAnsweredLate_doesNotShortenTheLease() {
        lease.onState(new ClusterEpoch(1, "B", false, true));
        long first = now.get();
        advanceMillis(250);
        lease.renewed(1, now.get());
        lease.renewed(1, first);
        advanceMillis(900);
        assertTrue(lease.holdsLease(), "the later renewal counts");
    }

    @Test
    void aNewMaster_whosePredecessorWasNotFenced_waitsALeaseFromWhenItLearned() {
        lease.onState(new ClusterEpoch(2, "B", false, false));
        lease.renewed(2, now.get());
        assertTrue(lease.holdsLease());
        assertFalse(lease.mayAcknowledge(), "the old master's lease may still run");
        advanceMillis(999);
        lease.renewed(2, now.get());
        assertFalse(lease.mayAcknowledge());
        advanceMillis(1);
        assertTrue(lease.mayAcknowledge(), "a lease after learning of the promotion");
    }

    @Test
    void aNewMaster_whosePredecessorReleased_acknowledgesAtOnce() {
        lease.onState(new ClusterEpoch(2, "B", false, true));
        lease.renewed(2, now.get());
        assertTrue(lease.mayAcknowledge());
    }

    @Test
    void givingUp_endsTheLeaseForGood_inThatEpoch() {
        lease.onState(new ClusterEpoch(3, "B", false, true));
        lease.renewed(3, now.get());
        assertFalse(lease.giveUp(2), "not the master of epoch 2");
        assertTrue(lease.giveUp(3));
        assertFalse(lease.holdsLease());
        assertEquals(0, lease.epochToRenew());
        lease.renewed(3, now.get());
        assertFalse(lease.holdsLease(), "a renewal in flight when it gave up gives nothing");
        lease.onState(new ClusterEpoch(4, "B", false, false));
        assertEquals(4, lease.epochToRenew(), "promoted again: a new epoch, a new lease");
    }

    @Test
    void anotherEpochOrMaster_dropsTheLease() {
        lease.onState(new ClusterEpoch(1, "B", false, true));
        lease.renewed(1, now.get());
        lease.onState(new ClusterEpoch(2, "C", false, false));
        assertFalse(lease.holdsLease());
        lease.renewed(1, now.get());
        assertFalse(lease.holdsLease(), "an answer for the old epoch gives nothing");
    }
}
