/**
 * Who is master, and since which epoch: decided by a Raft group of the cluster's nodes (Apache
 * Ratis), which holds only that (membership is the group's fixed peer list). Data replication is
 * not here; the node asks this package whether it may acknowledge a write and is told when the
 * master changes.
 *
 * <p>The path of a decision: {@link dev.corvid.node.consensus.Consensus} sends a command (promote,
 * renew a lease, release) through a Ratis client ({@code RaftCalls}); the leader logs it, a
 * majority stores it, and every node's {@code EpochStateMachine} applies it to its {@code
 * ConsensusState}, a pure function of the log, with the commands' own small binary format
 * ({@code Codec}). {@code MasterLease} turns the master's accepted renewals into "may acknowledge
 * until", and {@code FailoverMonitor}, on the Raft leader in automatic mode, promotes a successor
 * when the renewals stop. All Ratis settings are in {@link dev.corvid.node.consensus.ConsensusSettings}.
 *
 * <p>The invariant the whole package serves: at any real time at most one node may acknowledge
 * writes, and only in the newest epoch it knows. A master acknowledges only within a lease of a
 * renewal the group accepted for its epoch; a promotion ends every lease of the old epoch, and the
 * new master waits until the old one's last lease has surely run out
 * ({@link dev.corvid.node.consensus.Consensus#mayAcknowledge()}).
 *
 * <p>Ratis logs a great deal at INFO under {@code org.apache.ratis}; the node's logging config
 * should set that logger to WARN.
 */
package dev.corvid.node.consensus;
