package dev.corvid.node.storage.index;

import dev.corvid.node.storage.ContentScan;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Every id with a record as of one change counter, in id order, read a bounded step at a time:
 * a merge of the members of every group ({@link DocumentRecord.Header#group}: each collection,
 * the tombstones, the live documents without a collection), which hold each id exactly once. It
 * holds at most {@link #BUFFERED} ids (and one per group), whatever the number of documents.
 *
 * <p>The counter must stay pinned ({@link Pins}) while the listing is read, so the members as of
 * it stay known. Not thread-safe.
 */
final class IdListing implements ContentScan.Ids {

    /** How many ids the groups' buffers hold together, at most (at least one a group). */
    static final int BUFFERED = 16_384;
    /** The most ids one group reads at a time. */
    private static final int STEP = 512;

    private final CollectionMembers members;
    private final long at;
    private final int step;
    /** The groups with ids left, by their next id. */
    private final PriorityQueue<Group> heads = new PriorityQueue<>(Comparator.comparing(Group::head));

    /** One group's next ids, read a step at a time. */
    private final class Group {
        private final String name;
        private final ArrayDeque<String> next = new ArrayDeque<>();
        /** The last id read, where the next step starts after; null before the first. */
        private String last;
        private boolean exhausted;

        Group(String name) {
            this.name = name;
        }

        String head() {
            return next.peekFirst();
        }

        /** Reads the next step of ids when none is left; whether any is. */
        boolean fill() {
            if (next.isEmpty() && !exhausted) {
                members.forEachAfter(name, last, at, id -> {
                    next.addLast(id);
                    return next.size() < step;
                });
                exhausted = next.size() < step;
                last = next.peekLast();
            }
            return !next.isEmpty();
        }
    }

    /** The listing of {@code groups} (every group that may have members) as of {@code at}. */
    IdListing(CollectionMembers members, Collection<String> groups, long at) {
        this.members = members;
        this.at = at;
        this.step = Math.max(1, Math.min(STEP, BUFFERED / Math.max(1, groups.size())));
        for (String name : groups) {
            Group group = new Group(name);
            if (group.fill()) {
                heads.add(group);
            }
        }
    }

    @Override
    public List<String> next(int max) {
        List<String> out = new ArrayList<>(Math.min(max, STEP));
        while (out.size() < max && !heads.isEmpty()) {
            Group group = heads.poll();
            out.add(group.next.pollFirst());
            if (group.fill()) {
                heads.add(group);
            }
        }
        return out;
    }

    @Override
    public boolean done() {
        return heads.isEmpty();
    }
}
