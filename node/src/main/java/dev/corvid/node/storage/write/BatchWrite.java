package dev.corvid.node.storage.write;

import dev.corvid.node.storage.ConcurrencyViolationException;
import dev.corvid.node.storage.Etag;
import dev.corvid.node.storage.Mutation;
import dev.corvid.node.storage.WriteBatch;
import dev.corvid.node.storage.WriteResult;
import dev.corvid.node.storage.wal.LogEntry;
import java.util.ArrayList;
import java.util.List;

/** A client batch on its way through the writer: etag checks, then puts and tombstones. */
final class BatchWrite extends Pending<List<WriteResult>> {

    private final WriteBatch batch;
    private final List<WriteResult> results;

    BatchWrite(WriteBatch batch) {
        this.batch = batch;
        this.results = new ArrayList<>(batch.size());
    }

    @Override
    List<LogEntry> prepare(GroupView view) {
        results.clear();
        List<LogEntry> entries = new ArrayList<>(batch.size());
        for (Mutation m : batch.mutations()) {
            Etag current = view.current(m.id());
            check(m, current);
            if (m.kind() == Mutation.Kind.PUT) {
                Etag etag = view.nextEtag();
                view.set(m.id(), etag);
                entries.add(new LogEntry.Put(m.id(), etag, m.collection(), m.metadata(), m.body()));
                results.add(new WriteResult(m.id(), etag, false));
            } else if (current == null) {
                results.add(new WriteResult(m.id(), null, true));
            } else {
                Etag etag = view.nextEtag();
                view.set(m.id(), null);
                entries.add(new LogEntry.Delete(m.id(), etag, m.metadata()));
                results.add(new WriteResult(m.id(), etag, true));
            }
        }
        return entries;
    }

    /**
     * The rules of optimistic concurrency: no expected etag, no check; {@link Etag#EMPTY}, the
     * document must not exist (a tombstone counts as not existing); any other, it must be current.
     */
    private static void check(Mutation m, Etag current) {
        Etag expected = m.expected();
        boolean ok = expected == null
                || (expected.isEmpty() ? current == null : expected.equals(current));
        if (!ok) {
            throw new ConcurrencyViolationException(
                    m.kind() == Mutation.Kind.PUT ? ConcurrencyViolationException.Operation.PUT
                            : ConcurrencyViolationException.Operation.DELETE,
                    m.id(), expected, current);
        }
    }

    @Override
    List<WriteResult> result() {
        return List.copyOf(results);
    }
}
