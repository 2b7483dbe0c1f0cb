package dev.corvid.node;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.ConfigException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code corvid-node --config cluster-config/local-3node.json --node A}: runs one node until SIGTERM. */
@Command(name = "corvid-node", mixinStandardHelpOptions = true, version = "Corvid node 0.1",
        description = "Runs one node of a Corvid cluster until it receives SIGTERM (or Ctrl-C).")
public final class Main implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, defaultValue = "cluster-config/local-3node.json",
            description = "Cluster config JSON (default: ${DEFAULT-VALUE}).")
    Path config;

    @Option(names = {"-n", "--node"}, required = true, description = "Name of this node in the config, e.g. A.")
    String node;

    @Option(names = "--stop-when-stdin-closes",
            description = "Stop, as on SIGTERM, once standard input reaches its end: for a test harness that starts "
                    + "the node with a pipe, so the node never outlives the process that started it.")
    boolean stopWhenStdinCloses;

    /** The message of {@code e} and of each cause it does not already include; the class where there is none. */
    static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(e.getMessage() != null ? e.getMessage() : e.toString());
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            String part = c.getMessage() != null ? c.getMessage() : c.toString();
            if (text.indexOf(part) < 0) {
                text.append(" (caused by ").append(c.getClass().getSimpleName()).append(": ").append(part).append(')');
            }
        }
        return text.toString();
    }

    public static void main(String[] args) {
        NodeLogging.useProgramConfiguration();
        System.exit(new CommandLine(new Main()).execute(args));
    }

    /** Exits (running the shutdown hook, so the node stops cleanly) when standard input ends or fails. */
    private static void watchStdin() {
        Thread watcher = new Thread(() -> {
            byte[] buffer = new byte[256];
            try {
                while (System.in.read(buffer) >= 0) {
                    // what the harness writes is not read: only the end of the pipe matters
                }
            } catch (java.io.IOException e) {
                // a broken pipe ends it the same way
            }
            System.err.println("corvid-node: standard input closed (the process that started this node is gone); stopping");
            System.exit(0);
        }, "corvid-stdin-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    @Override
    public Integer call() throws InterruptedException {
        CorvidNode running;
        try {
            running = CorvidNode.start(ClusterConfig.load(config), node);
        } catch (ConfigException e) {
            System.err.println("corvid-node: " + e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            System.err.println("corvid-node: node " + node + " failed to start: " + describe(e));
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.close();
            stopped.countDown();
        }, "corvid-shutdown"));
        if (stopWhenStdinCloses) {
            watchStdin();
        }
        stopped.await();
        return 0;
    }
}
