/**
 * The Corvid client API: {@link dev.corvid.client.DocumentStore} (conventions, listeners, the
 * connections to the cluster), {@link dev.corvid.client.DocumentSession} (a unit of work with
 * optimistic concurrency), {@link dev.corvid.client.DatabaseCommands} (raw JSON documents with
 * etags), {@link dev.corvid.client.Etag} and the exceptions, all unchecked under
 * {@link dev.corvid.client.CorvidException}.
 *
 * <p>This package is the client's only API: its public names are a contract. The jar's module name
 * is {@code dev.corvid.client} (an {@code Automatic-Module-Name}); every other package under
 * {@code dev.corvid.client} is internal, not API, and may change in any release.
 *
 * <p>Inside, beside the public types, this package holds the client's own machinery, package-private:
 * the session's bookkeeping ({@code UnitOfWork}, {@code DocumentInfo}, {@code EntityConverter},
 * {@code SaveChangesOperation}), id generation ({@code HiLoIdGenerator}), and the routing of every
 * call: {@code RequestExecutor} picks the node for each call through {@code NodeSelector} (one
 * immutable view of the topology and of the failed nodes), fails reads over, sends a write to
 * another node only when the transport says it provably never left the client, and maps the
 * node's errors to typed exceptions ({@code GrpcErrors}); {@code HealthMonitor} probes failed nodes
 * and refreshes the topology. How a call reaches the node it was routed to is
 * {@link dev.corvid.client.transport}'s business.
 */
package dev.corvid.client;
