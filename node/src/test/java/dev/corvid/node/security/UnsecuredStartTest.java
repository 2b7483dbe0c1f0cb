package dev.corvid.node.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.probe.Ports;
import dev.corvid.probe.MultiProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node process refuses to start when a node of its config is off loopback and the config has
 * no {@code "tls"}: it exits with code 2, names the node, its host and the field to set, and never
 * opens its port or its data directory.
 */
@MultiProcess
class UnsecuredStartTest {

    @TempDir
    Path dir;

    @Test
    void aNodeProcess_refusesToServeOffLoopbackWithoutTls_andNamesTheField() throws Exception {
        List<Integer> ports = Ports.freePorts(2);
        int port = ports.get(0);
        Path config = Files.writeString(dir.resolve("cluster.json"), "{\"cluster\": \"exposed\","
                + " \"secret\": \"0123456789abcdef0123\", \"nodes\": ["
                + "{\"name\": \"A\", \"host\": \"127.0.0.1\", \"port\": " + port + ", \"dataDir\": \"a\", \"role\": \"master\"},"
                + "{\"name\": \"B\", \"host\": \"0.0.0.0\", \"advertise\": \"db-b.example.com\", \"port\": "
                + ports.get(1) + ", \"dataDir\": \"b\", \"role\": \"replica\"}]}");
        for (String node : List.of("A", "B")) {
            Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), "dev.corvid.node.Main", "--config", config.toString(),
                    "--node", node)
                    .redirectErrorStream(true).start();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "node " + node + " still runs");
            String output = new String(process.getInputStream().readAllBytes());
            assertEquals(2, process.exitValue(), output);
            assertTrue(output.contains("node 'B' has \"host\": \"0.0.0.0\", which is not a loopback address")
                    && output.contains("set \"tls\""), output);
        }
        assertFalse(Files.exists(dir.resolve("a")), "node A created its data directory");
        assertFalse(Files.exists(dir.resolve("b")), "node B created its data directory");
    }
}
