/**
 * The Corvid client API: {@link dev.corvid.client.DocumentStore} (conventions, listeners, the
 * connections to the cluster), {@link dev.corvid.client.DocumentSession} (a unit of work with
 * optimistic concurrency), {@link dev.corvid.client.DatabaseCommands} (raw JSON documents with
 * etags), {@link dev.corvid.client.Etag} and the exceptions, all unchecked under
 * {@link dev.corvid.client.CorvidException}; documents in conflict surface as
 * {@link dev.corvid.client.ConflictException} or are resolved by a
 * {@link dev.corvid.client.DocumentConflictListener}.
 *
 * <p>This package is the client's only API: its public names are a contract. The jar's module name
 * is {@code dev.corvid.client} (an {@code Automatic-Module-Name}). The packages:
 * <ul>
 *   <li>{@code dev.corvid.client} (this one): the API;</li>
 *   <li>{@link dev.corvid.client.routing}: internal. Which node each call goes to, failover, the
 *       probing of failed nodes and the topology; the mapping of the node's errors to this
 *       package's exceptions;</li>
 *   <li>{@link dev.corvid.client.transport}: internal. How a call reaches the node it was routed
 *       to (the Exchange stream or unary calls), deadlines and wire limits.</li>
 * </ul>
 * Internal packages are not API and may change in any release; their types never appear in a
 * public signature of this package.
 *
 * <p>Beside the public types, this package keeps the session's own machinery, package-private:
 * its bookkeeping ({@code UnitOfWork}, {@code DocumentInfo}, {@code EntityConverter},
 * {@code Metadata}, {@code SaveChangesOperation}), id generation ({@code DocumentIdGenerator},
 * {@code HiLoIdGenerator}), the entity conventions' helpers ({@code IdProperty},
 * {@code EtagProperty}, {@code Pluralizer}), the store's {@code Listeners} and the reads'
 * {@code ConflictResolver}. They stay here because they work on the API's own types through
 * members that are not API (an
 * {@link dev.corvid.client.Etag}'s wire form, a {@link dev.corvid.client.JsonDocument}'s
 * constructor, the session's and the commands' constructors): moving them out would make those
 * members public for no application's benefit.
 */
package dev.corvid.client;
