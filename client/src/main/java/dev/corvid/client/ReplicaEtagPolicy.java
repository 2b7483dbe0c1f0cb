package dev.corvid.client;

/**
 * What {@code saveChanges()} does when a concurrency check would send an etag that a replica
 * issued (the session read the document from a replica, e.g. under
 * {@link FailoverBehavior#READ_FROM_ALL_SERVERS}). Every node stamps its own etags, so the master
 * never finds such an etag current. Set with {@link Conventions#setReplicaEtagPolicy}.
 */
public enum ReplicaEtagPolicy {

    /**
     * Send it anyway, as RavenDB 3.x does and the seed documents describe: the master rejects the
     * write with a plain {@link ConcurrencyException} although nobody else changed the document.
     * The default, so that applications see the documented behaviour unless they opt in to one of
     * the two below.
     */
    SEND_AS_IS,

    /**
     * Send nothing and throw {@link ReplicaEtagConcurrencyException}, which names the replica and
     * says to read inside {@link DatabaseCommands#forceReadFromMaster()}.
     */
    FAIL_FAST,

    /**
     * Check against the master's etag of the version the replica held (the replica keeps it in
     * the {@code @source-etag} metadata): the write succeeds when that version is still the
     * master's current one, and fails with {@link ConcurrencyException} when the replica's copy was
     * stale or someone changed the document since. A document the replica has no master etag for
     * (e.g. a failover write) fails fast as with {@link #FAIL_FAST}.
     */
    CHECK_MASTER_ETAG
}
