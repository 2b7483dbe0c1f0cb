package dev.corvid.node.storage.write;

import dev.corvid.node.storage.wal.LogEntry;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A write waiting for the writer: prepared against the group's view, answered after the sync. */
abstract class Pending<T> {
    final CompletableFuture<T> future = new CompletableFuture<>();
    /** What {@link #prepare} returned; writer thread. */
    List<LogEntry> entries;
    /** Why {@link #prepare} refused the write, or null; writer thread. */
    RuntimeException rejection;

    /** Checks the write against {@code view} and returns its log entries; throws to reject it. */
    abstract List<LogEntry> prepare(GroupView view);

    /** The caller's answer once the entries are durable. */
    abstract T result();

    /**
     * Whether readers may see this write's changes while its log record is being synced. The
     * caller still hears "done" only after the sync. False unless a subclass says otherwise.
     */
    boolean visibleBeforeSync() {
        return false;
    }

    /** Answers the caller: its result, or the rejection {@link #prepare} threw. */
    void complete() {
        if (rejection != null) {
            future.completeExceptionally(rejection);
        } else {
            future.complete(result());
        }
    }

    /** Answers the caller with {@code error} instead: the write's outcome is not success. */
    void fail(Throwable error) {
        future.completeExceptionally(error);
    }
}
