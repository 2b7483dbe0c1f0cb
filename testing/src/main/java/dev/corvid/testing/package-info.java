/**
 * Corvid's testing kit: a Corvid cluster seen from outside, through its wire protocol only, for
 * tests and benchmarks of anything that runs against Corvid (the node's and the client's own
 * tests, the benchmark, and later the test cluster application developers start in their tests).
 *
 * <ul>
 *   <li>{@link dev.corvid.testing.NodeProbe}: one node's own answers (Stats, Topology, Get) on a
 *       channel of its own: no client, no failover, no retry, so what it reports is that node's
 *       word;</li>
 *   <li>{@link dev.corvid.testing.ClusterProbe}: every node of a cluster, master first, and the
 *       waits on replication ("every replica has applied the master's change X", "every replica
 *       caught up");</li>
 *   <li>{@link dev.corvid.testing.MultiProcess}: the JUnit tag of tests that start node processes,
 *       which the build runs apart from the quick ones.</li>
 * </ul>
 *
 * <p>Every wait has a deadline and polls in the calling thread; none sleeps a fixed time. The
 * kit depends on the protocol module, gRPC and Awaitility only (JUnit only for
 * {@code MultiProcess}), never on the node or the client, so it tests both without taking
 * either's side.
 */
package dev.corvid.testing;
