/**
 * Internal: not API, may change in any release. How the client's calls reach one node.
 *
 * <p>{@link dev.corvid.client.transport.NodeTransport} is the contract every call goes through (its
 * Javadoc says what both implementations guarantee); {@link dev.corvid.client.transport.Connections}
 * makes one per node address, all of one kind:
 * <ul>
 *   <li>the Exchange transport (the default; {@code ExchangeTransport}): Gets and writes travel as
 *       calls of the node's one long-lived {@code Exchange} stream ({@code ExchangeStream}), and
 *       concurrent ones are folded into one call ({@code CoalescingChannel}: ids of several Gets in
 *       one Get, several batches in one BatchMany) once a few are in flight, so that under load
 *       many callers share one call's cost on both sides. Put and delete go as one-command batches.
 *       Queries, id reservations, probes and topology are unary RPCs;</li>
 *   <li>the unary transport ({@code UnaryTransport}): every call a unary gRPC call of its own, for
 *       comparison.</li>
 * </ul>
 *
 * <p>Every call has a deadline, which the node learns (a gRPC deadline, or the Exchange call's
 * {@code timeout_micros}) and which is enforced here as well. Whether a failed call provably never
 * left the client is decided in one place, {@code SendTracker}, and travels to the caller on the
 * {@link dev.corvid.client.transport.CallFailedException}. Calls are sized by the node's limits
 * ({@code NodeLimits}: what {@code ClusterTopology.limits} said, else the client's defaults).
 */
package dev.corvid.client.transport;
