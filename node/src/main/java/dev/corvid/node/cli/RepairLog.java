package dev.corvid.node.cli;

import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.storage.LogStorage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code corvid-admin repair-log --node A}: for a node that refuses to start because its
 * write-ahead log is corrupt, and an operator who accepts losing, on that node, every write logged
 * after the damage. The node must be stopped. See "A node that refuses to start" in
 * docs/reliability.md for when to use it and what to do instead.
 */
@Command(name = "repair-log",
        description = "Cuts a stopped node's corrupt write-ahead log at its first damaged record, moving what "
                + "follows aside. Writes logged after the damage are lost on that node.")
final class RepairLog extends Admin.ConfigCommand {

    @Option(names = {"-n", "--node"}, required = true, description = "The node whose log to repair, e.g. A.")
    String node;

    @Override
    public Integer call() {
        NodeConfig self = cluster().node(node);
        System.out.println("node " + node + ": " + LogStorage.repairLog(self.dataDirectory()));
        return 0;
    }
}
