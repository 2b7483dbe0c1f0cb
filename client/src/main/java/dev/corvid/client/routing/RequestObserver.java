package dev.corvid.client.routing;

/**
 * Hears what the {@link RequestExecutor} does with each call, on the calling thread: keep it
 * short and never throw. For metrics ({@code dev.corvid.client.CorvidClientMetrics}).
 */
public interface RequestObserver {

    /** How one attempt on one node ended. */
    enum Outcome {
        /** The node answered the call. */
        SUCCESS,
        /** The node answered with an error (concurrency, bad request, not the master...). */
        ERROR,
        /** The node did not answer (down, unreachable, past the deadline). */
        UNREACHABLE
    }

    /** Why a write was sent once more after its node refused it or did not answer. */
    enum Retry {
        /** The node was not the master and named the one that is. */
        NOT_MASTER,
        /** The master did not answer and another node named a newer epoch's master. */
        MASTER_CHANGED
    }

    RequestObserver NONE = new RequestObserver() {
    };

    /**
     * One attempt of a call on one node.
     *
     * @param node      the node's address, {@code host:port}
     * @param operation the call's name, e.g. {@code Get} or {@code Batch}
     * @param nanos     how long the attempt took
     */
    default void attempted(String node, String operation, Outcome outcome, long nanos) {
    }

    /** A call goes on to the next node of its plan because {@code from} did not answer. */
    default void failedOver(String from, String operation, OperationKind kind) {
    }

    /** A write is sent once more, to the master the cluster names now. */
    default void retried(String operation, Retry reason) {
    }
}
