package dev.corvid.node.cli;

import dev.corvid.proto.DigestPage;
import dev.corvid.proto.DigestSnapshot;
import dev.corvid.proto.DocumentDigest;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Compares digest listings (the master's and each replica's), all in id order, in one pass:
 * memory stays one page per listing whatever the number of documents.
 *
 * <p>A tombstone and no record at all count as the same state, "not live": a replica skips the
 * tombstone of a document it never had (created and deleted on the master before it was sent),
 * so the master may hold tombstones the replica has no record of. Etags are not compared: every
 * node stamps its own.
 */
final class DigestComparison {

    /** How many example ids a report keeps per kind of difference. */
    static final int EXAMPLES = 5;

    /** The outcome of one comparison. */
    record Result(DigestSnapshot master, DigestSnapshot replica, long masterLive, long masterTombstones,
                  long replicaLive, long replicaTombstones, long missing, long extra, long different,
                  List<String> missingExamples, List<String> extraExamples, List<String> differentExamples,
                  long changedDuringScan, long conflicts, List<String> conflictExamples) {

        boolean matches() {
            return missing == 0 && extra == 0 && different == 0;
        }
    }

    /** A listing read page by page: the snapshot, then the entries, then what changed meanwhile. */
    static final class Listing implements Iterator<DocumentDigest> {
        private final Iterator<DigestPage> pages;
        private final DigestSnapshot snapshot;
        private Iterator<DocumentDigest> current;
        private long changed;
        private String lastId;

        Listing(Iterator<DigestPage> pages) {
            this.pages = pages;
            if (!pages.hasNext()) {
                throw new IllegalStateException("digest stream ended without a page");
            }
            DigestPage first = pages.next();
            this.snapshot = first.getSnapshot();
            take(first);
        }

        DigestSnapshot snapshot() {
            return snapshot;
        }

        /** Ids left out because they changed during the scan; final once the listing is exhausted. */
        long changedDuringScan() {
            return changed;
        }

        private void take(DigestPage page) {
            current = page.getEntriesList().iterator();
            changed = page.getLast() ? page.getChangedDuringScan() : changed;
        }

        @Override
        public boolean hasNext() {
            while (!current.hasNext() && pages.hasNext()) {
                take(pages.next());
            }
            return current.hasNext();
        }

        @Override
        public DocumentDigest next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            DocumentDigest d = current.next();
            if (lastId != null && lastId.compareTo(d.getId()) >= 0) {
                throw new IllegalStateException("digest listing of " + snapshot.getNodeName()
                        + " is not in id order: '" + d.getId() + "' after '" + lastId + "'");
            }
            lastId = d.getId();
            return d;
        }
    }

    private long masterLive;
    private long masterTombstones;
    private long replicaLive;
    private long replicaTombstones;
    private long missing;
    private long extra;
    private long different;
    private final List<String> missingExamples = new ArrayList<>();
    private final List<String> extraExamples = new ArrayList<>();
    private final List<String> differentExamples = new ArrayList<>();
    /** Documents in conflict on the master: not differences (every node holds the same conflict), listed apart. */
    private long conflicts;
    private final List<String> conflictExamples = new ArrayList<>();

    private DigestComparison() {
    }

    /** What comparing one replica came to: its result, or why its listing could not be read to the end. */
    record Outcome(Result result, RuntimeException failure) {
    }

    /**
     * Walks the master's listing once, and each replica's alongside it, to their ends: the
     * replicas are compared at once, each in one pass. A replica whose listing fails has that as
     * its outcome and the others go on; a failure of the master's listing is thrown.
     */
    static List<Outcome> compareAll(Listing master, List<Listing> replicas) {
        List<Side> sides = replicas.stream().map(Side::new).toList();
        for (DocumentDigest m = next(master); m != null; m = next(master)) {
            for (Side side : sides) {
                side.pairWith(m);
            }
        }
        List<Outcome> out = new ArrayList<>(sides.size());
        for (Side side : sides) {
            side.pairWith(null);
            out.add(side.failure != null ? new Outcome(null, side.failure) : new Outcome(side.result(master), null));
        }
        return out;
    }

    /** One replica's listing and its comparison with the master's so far. */
    private static final class Side {
        private final Listing replica;
        private final DigestComparison c = new DigestComparison();
        private DocumentDigest head;
        private RuntimeException failure;

        Side(Listing replica) {
            this.replica = replica;
            advance();
        }

        /** Pairs the replica's entries up to the master's entry {@code m} (null: to its end) with it. */
        void pairWith(DocumentDigest m) {
            while (failure == null && head != null && (m == null || head.getId().compareTo(m.getId()) < 0)) {
                c.pair(null, head);
                advance();
            }
            if (failure != null || m == null) {
                return;
            }
            if (head != null && head.getId().equals(m.getId())) {
                c.pair(m, head);
                advance();
            } else {
                c.pair(m, null);
            }
        }

        private void advance() {
            try {
                head = next(replica);
            } catch (RuntimeException e) {
                failure = e;
                head = null;
            }
        }

        Result result(Listing master) {
            return new Result(master.snapshot(), replica.snapshot(), c.masterLive, c.masterTombstones,
                    c.replicaLive, c.replicaTombstones, c.missing, c.extra, c.different,
                    List.copyOf(c.missingExamples), List.copyOf(c.extraExamples), List.copyOf(c.differentExamples),
                    master.changedDuringScan() + replica.changedDuringScan(), c.conflicts,
                    List.copyOf(c.conflictExamples));
        }
    }

    private static DocumentDigest next(Listing listing) {
        return listing.hasNext() ? listing.next() : null;
    }

    /** One id: its master and replica entries, either null when that side has no record. */
    private void pair(DocumentDigest m, DocumentDigest r) {
        boolean masterHasIt = m != null && !m.getDeleted();
        boolean replicaHasIt = r != null && !r.getDeleted();
        count(m, true);
        count(r, false);
        if (masterHasIt && m.getConflicted()) {
            conflicts++;
            example(conflictExamples, m.getId());
        }
        if (masterHasIt && !replicaHasIt) {
            missing++;
            example(missingExamples, m.getId() + (r == null ? "" : " (deleted on the replica)"));
        } else if (!masterHasIt && replicaHasIt) {
            extra++;
            example(extraExamples, r.getId() + (m == null ? "" : " (deleted on the master)"));
        } else if (masterHasIt && (!m.getBodyHash().equals(r.getBodyHash())
                || !m.getCollection().equals(r.getCollection()))) {
            different++;
            example(differentExamples, m.getId() + (m.getCollection().equals(r.getCollection()) ? " (body)"
                    : " (collection " + m.getCollection() + " vs " + r.getCollection() + ")"));
        }
    }

    private void count(DocumentDigest d, boolean onMaster) {
        if (d == null) {
            return;
        }
        if (onMaster) {
            masterLive += d.getDeleted() ? 0 : 1;
            masterTombstones += d.getDeleted() ? 1 : 0;
        } else {
            replicaLive += d.getDeleted() ? 0 : 1;
            replicaTombstones += d.getDeleted() ? 1 : 0;
        }
    }

    private static void example(List<String> examples, String id) {
        if (examples.size() < EXAMPLES) {
            examples.add(id);
        }
    }
}
