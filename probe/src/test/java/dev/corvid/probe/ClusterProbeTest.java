package dev.corvid.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ClusterProbeTest {

    private static final ByteString FIRST = etag(0x0A);
    private static final ByteString SECOND = etag(0x0B);
    private static final ByteString THIRD = etag(0xFA); // after SECOND unsigned, before it signed

    private final FakeNode master = new FakeNode();
    private final FakeNode replica = new FakeNode();
    private final ClusterProbe probe = new ClusterProbe(addresses());

    private Map<String, String> addresses() {
        Map<String, String> addresses = new LinkedHashMap<>();
        addresses.put("A", master.address());
        addresses.put("B", replica.address());
        return addresses;
    }

    @AfterEach
    void close() {
        probe.close();
        master.close();
        replica.close();
    }

    @Test
    void masterFirst_theOthersAreItsReplicas() {
        assertEquals("A", probe.master());
        assertEquals(List.of("B"), probe.replicas());
        assertThrows(IllegalArgumentException.class, () -> probe.node("Z"));
    }

    @Test
    void awaitApplied_returnsOnceTheReplicaReportsALaterEtag() {
        replica.lastApplied = n -> n < 3 ? ByteString.EMPTY : n < 6 ? FIRST : THIRD;
        probe.awaitApplied(SECOND, Duration.ofSeconds(10));
        assertEquals(7, replica.statsCalls.get(), "asked until the answer was at or after the etag, then no more");
    }

    @Test
    void awaitApplied_whenTheReplicaStaysBehind_timesOut() {
        replica.lastApplied = n -> FIRST;
        assertThrows(ConditionTimeoutException.class, () -> probe.awaitApplied(SECOND, Duration.ofMillis(200)));
    }

    @Test
    void awaitApplied_ofNoEtag_isACallerMistake() {
        assertThrows(IllegalArgumentException.class, () -> probe.node("B").hasApplied(ByteString.EMPTY));
    }

    @Test
    void hasApplied_comparesEtagsInTheirOrder() {
        replica.lastApplied = n -> SECOND;
        NodeProbe b = probe.node("B");
        assertTrue(b.hasApplied(FIRST));
        assertTrue(b.hasApplied(SECOND));
        assertFalse(b.hasApplied(THIRD));
        replica.lastApplied = n -> ByteString.EMPTY;
        assertFalse(b.hasApplied(FIRST), "nothing applied yet");
    }

    @Test
    void get_ofManyIds_asksInSlices_andAnswersEachInOrder() {
        List<String> ids = IntStream.range(0, 2500).mapToObj(i -> "people/" + i).toList();
        assertEquals(2500, probe.node("B").get(ids).size());
        assertEquals(3, replica.getCalls.get());
        assertTrue(probe.node("B").find("people/1").isEmpty());
    }

    @Test
    void awaitServing_returnsOnTheFirstAnswer_andTimesOutOnASilentAddress() {
        probe.node("B").awaitServing(Duration.ofSeconds(10));
        replica.close();
        assertThrows(ConditionTimeoutException.class, () -> probe.node("B").awaitServing(Duration.ofMillis(200)));
    }

    /** A master etag of node 1, restart 1, change {@code change}: 01000000-0000-0001-0000-0000000000XX. */
    private static ByteString etag(int change) {
        byte[] bytes = new byte[16];
        bytes[0] = 1;
        bytes[7] = 1;
        bytes[15] = (byte) change;
        return ByteString.copyFrom(bytes);
    }
}
