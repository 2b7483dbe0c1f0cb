/**
 * Internal: not API, may change in any release. Which node each call goes to, and what happens
 * when that node does not answer.
 *
 * <p>How a call flows: a session's {@code DatabaseCommands} (or the store's own) run every call
 * through their {@link dev.corvid.client.routing.RequestContext}, which counts it against the session's request
 * budget and hands it, with the session's {@link dev.corvid.client.routing.SessionRouting}
 * (its stripe, whether reads are forced to the master), to the
 * {@link dev.corvid.client.routing.RequestExecutor}. The executor takes one snapshot of the
 * {@link dev.corvid.client.routing.NodeSelector}'s state (the {@link dev.corvid.client.routing.Topology}
 * and the failed nodes), asks it for the plan of nodes that suits the
 * {@link dev.corvid.client.routing.OperationKind} and the store's
 * {@link dev.corvid.client.routing.FailoverPolicy}, and runs the call
 * (a {@link dev.corvid.client.routing.NodeCall}) on the first node's transport
 * ({@link dev.corvid.client.transport}) with a deadline:
 * <pre>
 *   session → RequestContext → RequestExecutor → NodeSelector (plan) → transport → node
 * </pre>
 * A read that finds a node down goes on to the next node of its plan; a write goes to another node
 * only when the transport says it provably never left the client, and to a replica only when the
 * policy allows it ({@code Failover} words the exceptions when it cannot). The node's errors become
 * the API's typed exceptions in one place, {@code GrpcErrors}.
 *
 * <p>In the background, {@link dev.corvid.client.routing.HealthMonitor} probes the failed nodes
 * (so calls return to the master on their own) and refreshes the topology from a
 * {@link dev.corvid.client.routing.TopologySource} (the master's {@code Topology} call,
 * {@link dev.corvid.client.routing.MasterTopologySource}), keeping the last one on disk in the
 * {@link dev.corvid.client.routing.TopologyCache}.
 *
 * <p>This package depends on the API package ({@code dev.corvid.client}: its exceptions, its
 * {@code FailoverBehavior}) and on {@link dev.corvid.client.transport}; the API package uses it only
 * in package-private code, so no public signature there names a type of this one.
 */
package dev.corvid.client.routing;
