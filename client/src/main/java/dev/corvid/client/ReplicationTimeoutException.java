package dev.corvid.client;

import java.util.List;

/**
 * A write asked for write assurance ({@link WriteAssurance}) and fewer replicas than asked had it
 * when the master answered. The write itself <b>succeeded</b>: it is durable on the node that took
 * it (the master, or a replica that took it as a failover write) and reaches the replicas as
 * replication goes on. Do not redo it as if it had failed; a session that threw this already knows
 * the new etags of what it saved.
 */
public class ReplicationTimeoutException extends CorvidException {

    private static final long serialVersionUID = 1L;

    private final List<String> documentIds;
    private final int requiredReplicas;
    private final int confirmedReplicas;

    /**
     * @param message           what was asked, what came of it, and why (the node's words)
     * @param documentIds       the ids the write changed, in command order
     * @param requiredReplicas  how many replicas were asked for (0 when only a majority was)
     * @param confirmedReplicas how many had durably applied the write when the node answered
     */
    public ReplicationTimeoutException(String message, List<String> documentIds, int requiredReplicas,
            int confirmedReplicas) {
        super(message);
        this.documentIds = List.copyOf(documentIds);
        this.requiredReplicas = requiredReplicas;
        this.confirmedReplicas = confirmedReplicas;
    }

    /** The ids of the documents the write changed (and that are durable on the node that took it). */
    public List<String> getDocumentIds() {
        return documentIds;
    }

    /** How many replicas the write asked for; 0 when it asked only for a majority. */
    public int getRequiredReplicas() {
        return requiredReplicas;
    }

    /** How many replicas had durably applied the write when the node answered. */
    public int getConfirmedReplicas() {
        return confirmedReplicas;
    }
}
