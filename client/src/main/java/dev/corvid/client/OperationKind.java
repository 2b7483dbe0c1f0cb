package dev.corvid.client;

/**
 * What a call does, which decides where it may be routed: reads (load, query, get) may be
 * served by replicas under some failover behaviors; writes (saveChanges, put, delete, id
 * reservation) go to the master.
 */
enum OperationKind {
    READ,
    WRITE
}
