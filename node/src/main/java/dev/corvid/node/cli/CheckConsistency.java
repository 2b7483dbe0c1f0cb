package dev.corvid.node.cli;

import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code corvid-admin check-consistency}: compares the master with each replica (see
 * {@link ConsistencyCheck}) and prints a summary. Exit code 0 only when every replica matches.
 */
@Command(name = "check-consistency",
        description = "Compares every replica with the master: ids and body hashes, tombstones included, etags ignored.")
final class CheckConsistency extends Admin.ConfigCommand {

    @Option(names = "--catch-up", defaultValue = "30",
            description = "Seconds to wait for each replica to apply the master's last change (default: ${DEFAULT-VALUE}).")
    int catchUpSeconds;

    @Override
    public Integer call() throws InterruptedException {
        ConsistencyReport report = ConsistencyCheck.run(cluster(), Duration.ofSeconds(catchUpSeconds));
        System.out.print(report.summary());
        return report.consistent() ? 0 : 1;
    }
}
