package dev.corvid.node.storage.write;

import dev.corvid.node.storage.IdRange;
import dev.corvid.node.storage.wal.LogEntry;
import java.util.List;

/** Reserves the next numbers of a collection's id sequence, durably, through the writer. */
final class ReserveIdsWrite extends Pending<IdRange> {

    private final String collection;
    private final long count;
    private IdRange range;

    ReserveIdsWrite(String collection, long count) {
        this.collection = collection;
        this.count = count;
    }

    @Override
    List<LogEntry> prepare(GroupView view) {
        long first = view.lastReservedId(collection) + 1;
        range = new IdRange(first, first + count - 1);
        view.reserveIdsUpTo(collection, range.last());
        return List.of(new LogEntry.ReserveIds(collection, range.last()));
    }

    @Override
    IdRange result() {
        return range;
    }
}
