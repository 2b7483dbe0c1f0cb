package dev.corvid.node.replication;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * When the master committed its recent changes, so replication lag can be told as the age of the
 * oldest change a replica does not have yet. One entry per committed group: the change counter of
 * the group's last etag, with the monotonic time of the commit.
 *
 * <p>Entries every replica has confirmed are dropped. While a replica stays away the map grows up to
 * {@code replication.lagHistoryCommits} entries and then forgets its oldest: the lag it reports is then a
 * lower bound.
 * Changes committed before this process started have no entry; their age counts from the start.
 */
final class CommitTimes {

    private final int maxEntries;
    private final long startNanos = System.nanoTime();
    private final ConcurrentSkipListMap<Long, Long> times = new ConcurrentSkipListMap<>();
    private final AtomicInteger size = new AtomicInteger();
    /** replica -> change counter it has confirmed; -1 until it has confirmed anything. */
    private final Map<String, Long> confirmed = new ConcurrentHashMap<>();

    /** @param maxEntries commits remembered at most ({@code replication.lagHistoryCommits}) */
    CommitTimes(Iterable<String> replicas, int maxEntries) {
        this.maxEntries = maxEntries;
        replicas.forEach(r -> confirmed.put(r, -1L));
    }

    /** Called on the storage writer thread after each commit: must stay cheap. */
    void committed(long lastChange) {
        times.put(lastChange, System.nanoTime());
        if (size.incrementAndGet() > maxEntries && times.pollFirstEntry() != null) {
            size.decrementAndGet();
        }
    }

    /** Records what {@code replica} confirmed and forgets what every replica has. */
    void confirmed(String replica, long change) {
        confirmed.merge(replica, change, Math::max);
        long everyone = confirmed.values().stream().mapToLong(Long::longValue).min().orElse(-1);
        while (true) {
            Map.Entry<Long, Long> first = times.firstEntry();
            if (first == null || first.getKey() > everyone || times.remove(first.getKey()) == null) {
                return;
            }
            size.decrementAndGet();
        }
    }

    /** Milliseconds since the first commit after {@code change}, assuming there is one. */
    long ageOfFirstCommitAfter(long change) {
        Map.Entry<Long, Long> first = times.higherEntry(change);
        long since = first == null ? startNanos : first.getValue();
        return Math.max(0, (System.nanoTime() - since) / 1_000_000);
    }
}
