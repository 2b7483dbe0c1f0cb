package dev.corvid.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import dev.corvid.proto.DigestPage;
import dev.corvid.proto.DigestSnapshot;
import dev.corvid.proto.DocumentDigest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One pass over the master's listing compares every replica's; a replica whose listing breaks does not stop the others. */
class DigestComparisonTest {

    private static DocumentDigest live(String id, String body) {
        return DocumentDigest.newBuilder().setId(id).setCollection("Things").setBodyHash(ByteString.copyFromUtf8(body))
                .build();
    }

    private static DocumentDigest deleted(String id) {
        return DocumentDigest.newBuilder().setId(id).setDeleted(true).build();
    }

    /** A listing of {@code entries} in pages of two; it fails after {@code failAfter} pages (-1: never). */
    private static DigestComparison.Listing listing(String node, int failAfter, DocumentDigest... entries) {
        List<DigestPage> pages = new ArrayList<>();
        for (int i = 0; i < entries.length || pages.isEmpty(); i += 2) {
            DigestPage.Builder page = DigestPage.newBuilder();
            if (pages.isEmpty()) {
                page.setSnapshot(DigestSnapshot.newBuilder().setNodeName(node).setEntries(entries.length));
            }
            for (int j = i; j < Math.min(entries.length, i + 2); j++) {
                page.addEntries(entries[j]);
            }
            pages.add(page.setLast(i + 2 >= entries.length).build());
        }
        Iterator<DigestPage> it = pages.iterator();
        return new DigestComparison.Listing(new Iterator<>() {
            private int served;

            @Override
            public boolean hasNext() {
                if (served == failAfter) {
                    throw new StatusRuntimeException(Status.UNAVAILABLE.withDescription(node + " went away"));
                }
                return it.hasNext();
            }

            @Override
            public DigestPage next() {
                served++;
                return it.next();
            }
        });
    }

    @Test
    void everyReplica_isComparedInTheOnePass_overTheMastersListing() {
        DigestComparison.Listing master = listing("A", -1, live("a", "1"), live("b", "2"), deleted("c"), live("d", "4"),
                live("f", "6"));
        DigestComparison.Listing same = listing("B", -1, live("a", "1"), live("b", "2"), live("d", "4"), live("f", "6"));
        DigestComparison.Listing off = listing("C", -1, live("0", "0"), live("b", "x"), live("c", "3"), live("e", "5"),
                live("f", "6"));

        List<DigestComparison.Outcome> outcomes = DigestComparison.compareAll(master, List.of(same, off));

        DigestComparison.Result b = outcomes.get(0).result();
        assertEquals(List.of(4L, 1L, 4L, 0L, 0L, 0L, 0L),
                List.of(b.masterLive(), b.masterTombstones(), b.replicaLive(), b.replicaTombstones(), b.missing(),
                        b.extra(), b.different()));
        DigestComparison.Result c = outcomes.get(1).result();
        assertEquals(List.of(2L, 3L, 1L), List.of(c.missing(), c.extra(), c.different()));
        assertEquals(List.of("a", "d"), c.missingExamples());
        assertEquals(List.of("0", "c (deleted on the master)", "e"), c.extraExamples());
        assertEquals(List.of("b (body)"), c.differentExamples());
        assertEquals("C", c.replica().getNodeName());
    }

    @Test
    void aReplicaWhoseListingBreaks_hasThatAsItsOutcome_andTheOthersAreCompared() {
        DigestComparison.Listing master = listing("A", -1, live("a", "1"), live("b", "2"), live("c", "3"), live("d", "4"));
        DigestComparison.Listing broken = listing("B", 1, live("a", "1"), live("b", "2"), live("c", "3"), live("d", "4"));
        DigestComparison.Listing whole = listing("C", -1, live("a", "1"), live("b", "2"), live("c", "3"), live("d", "4"));

        List<DigestComparison.Outcome> outcomes = DigestComparison.compareAll(master, List.of(broken, whole));

        assertNull(outcomes.get(0).result());
        assertEquals("B went away", ((StatusRuntimeException) outcomes.get(0).failure()).getStatus().getDescription());
        assertEquals(4, outcomes.get(1).result().replicaLive());
        assertEquals(0, outcomes.get(1).result().missing());
    }

    @Test
    void aMasterWhoseListingBreaks_failsTheComparison() {
        DigestComparison.Listing master = listing("A", 1, live("a", "1"), live("b", "2"), live("c", "3"));
        DigestComparison.Listing replica = listing("B", -1, live("a", "1"), live("b", "2"), live("c", "3"));
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> DigestComparison.compareAll(master, List.of(replica)));
        assertSame(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    }
}
