/**
 * Probes of a Corvid cluster from outside, through its wire protocol only, for tests and
 * benchmarks of anything that runs against Corvid: the node's and the client's own tests, the
 * benchmark, and {@code corvid-testing}'s test cluster.
 *
 * <ul>
 *   <li>{@link dev.corvid.probe.NodeProbe}: one node's own answers (Stats, Topology, Get) on a
 *       channel of its own: no client, no failover, no retry, so what it reports is that node's
 *       word;</li>
 *   <li>{@link dev.corvid.probe.ClusterProbe}: every node of a cluster, master first, and the
 *       waits on replication ("every replica has applied the master's change X", "every replica
 *       caught up");</li>
 *   <li>{@link dev.corvid.probe.MultiProcess}: the JUnit tag of tests that start node processes,
 *       which the build runs apart from the quick ones;</li>
 *   <li>{@link dev.corvid.probe.Ports}: free loopback ports from the OS.</li>
 * </ul>
 *
 * <p>Every wait has a deadline and polls in the calling thread; none sleeps a fixed time. The
 * kit depends on the protocol module, gRPC and Awaitility only (JUnit only for
 * {@code MultiProcess}), never on the node or the client, so it tests both without taking
 * either's side.
 */
package dev.corvid.probe;
