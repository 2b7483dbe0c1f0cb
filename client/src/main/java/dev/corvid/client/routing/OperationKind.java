package dev.corvid.client.routing;

/**
 * What a call does, which decides where it may be routed (see {@link dev.corvid.client.FailoverBehavior}).
 */
public enum OperationKind {
    /** Load, query, get: may be served by a replica, striped, and retried on the next node. */
    READ,
    /** Put, delete, batch: the master; a replica (failover write) only when the behavior allows it. */
    WRITE,
    /** Only the master can do it (id reservation): never fails over. */
    MASTER_ONLY
}
