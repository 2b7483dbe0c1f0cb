/**
 * Who is master now, as the rest of the node asks it ({@link dev.corvid.node.cluster.Mastership}):
 * the cluster config's master for ever with {@code "failover": "static"}, or the one the Raft group
 * of {@link dev.corvid.node.consensus} decides ({@link dev.corvid.node.cluster.ConsensusMastership}),
 * which changes with each promotion, an epoch at a time. Replication, write admission, stats and
 * topology follow it; nothing reads a role from the config.
 */
package dev.corvid.node.cluster;
