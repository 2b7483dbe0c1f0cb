package dev.corvid.node.storage;

/**
 * A query's caller gave up (cancelled, or its deadline passed) while its scan ran: the scan stopped
 * between two steps, and nobody waits for its answer.
 */
public final class QueryCancelledException extends RuntimeException {

    public QueryCancelledException(String collection, long read) {
        super("the query of '" + collection + "' was cancelled by its caller (or its deadline passed) after "
                + read + " documents; the scan stopped");
    }
}
