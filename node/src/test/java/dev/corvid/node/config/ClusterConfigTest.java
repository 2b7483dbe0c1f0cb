package dev.corvid.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.corvid.node.consensus.ConsensusSettings;
import dev.corvid.node.storage.ConflictPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterConfigTest {

    @TempDir
    Path dir;

    private static final String NODES = """
            {"name": "A", "host": "127.0.0.1", "port": 7001, "dataDir": "data/A", "role": "master"},
            {"name": "B", "host": "127.0.0.1", "port": 7002, "dataDir": "data/B", "role": "replica"},
            {"name": "C", "host": "127.0.0.1", "port": 7003, "dataDir": "data/C", "role": "replica"}
            """;

    private ClusterConfig parse(String json) {
        return ClusterConfig.parse(json, dir, "test.json");
    }

    private void assertFailure(String json, String expected) {
        String message = assertThrows(ConfigException.class, () -> parse(json)).getMessage();
        assertTrue(message.contains(expected), message);
    }

    @Test
    void threeNodes_oneMaster_twoReplicas_dataDirsRelativeToTheFile() {
        ClusterConfig config = parse("{\"cluster\": \"local\", \"nodes\": [" + NODES + "]}");
        assertEquals("A", config.master().name());
        assertEquals(2, config.replicas().size());
        assertEquals("127.0.0.1:7002", config.node("B").address());
        assertEquals(dir.resolve("data/C"), config.node("C").dataDirectory());
        assertEquals(Limits.DEFAULT, config.limits());
    }

    @Test
    void theShippedLocalConfig_isValid() {
        Path shipped = Path.of("..", "cluster-config", "local-3node.json");
        ClusterConfig config = ClusterConfig.load(shipped);
        assertEquals(3, config.nodes().size());
        assertEquals(2, config.replicas().size());
        config.nodes().forEach(n -> assertEquals("127.0.0.1", n.host()));
        assertFalse(config.tls().enabled());
        ClusterConfig secure = ClusterConfig.load(Path.of("..", "cluster-config", "local-3node-secure.json"));
        assertTrue(secure.tls().enabled());
        assertEquals(Path.of("..", "run", "local-3node-secure-certs").toAbsolutePath().normalize(),
                secure.tls().certificates().toAbsolutePath().normalize());
    }

    @Test
    void limits_areOptionalFieldByField() {
        ClusterConfig config = parse("{\"nodes\": [" + NODES + "], \"limits\": {\"maxDocumentBytes\": 2048}}");
        assertEquals(2048, config.limits().maxDocumentBytes());
        assertEquals(Limits.DEFAULT.maxPageSize(), config.limits().maxPageSize());
    }

    @Test
    void serving_isOptionalFieldByField_andCheckedWithItsNameInTheMessage() {
        assertEquals(ServingLimits.DEFAULT, parse("{\"nodes\": [" + NODES + "]}").serving());
        ClusterConfig config = parse("{\"nodes\": [" + NODES + "], \"serving\": {\"readerStallMillis\": 5000,"
                + " \"exchangeStreamHeldBytes\": 1048576}}");
        assertEquals(5000, config.serving().readerStallMillis());
        assertEquals(1048576, config.serving().exchangeStreamHeldBytes());
        assertEquals(ServingLimits.DEFAULT.maxExchangeCalls(), config.serving().maxExchangeCalls());
        assertFailure("{\"nodes\": [" + NODES + "], \"serving\": {\"maxDigestStreams\": 0}}",
                "serving.maxDigestStreams must be at least 1, was 0");
        assertFailure("{\"nodes\": [" + NODES + "], \"serving\": {\"exchangeNodeHeldBytes\": 1048576}}",
                "serving.exchangeNodeHeldBytes (1048576) must be at least");
        assertFailure("{\"nodes\": [" + NODES + "], \"serving\": {\"maxExchangeCall\": 3}}", "serving.maxExchangeCall: unknown field");
    }

    @Test
    void secret_isOptionalOnLoopback_neverBlankOrShort_andNotPrinted() {
        assertEquals(null, parse("{\"nodes\": [" + NODES + "]}").secret());
        ClusterConfig config = parse("{\"nodes\": [" + NODES + "], \"secret\": \"s3cret-s3cret-s3cret\"}");
        assertEquals("s3cret-s3cret-s3cret", config.secret());
        assertFalse(config.toString().contains("s3cret"), config.toString());
        assertFailure("{\"nodes\": [" + NODES + "], \"secret\": \" \"}", "\"secret\" is blank");
        assertFailure("{\"nodes\": [" + NODES + "], \"secret\": \"s3cret\"}", "\"secret\" has 6 characters; use at least 16");
    }

    @Test
    void advertise_isWhereClientsAndNodesReachANode_andAWildcardIsNeverHandedOut() {
        String secure = "{\"secret\": \"0123456789abcdef0123\", \"tls\": {\"certificates\": \"certs\"}, \"nodes\": [";
        ClusterConfig config = parse(secure + NODES.replace("\"host\": \"127.0.0.1\", \"port\": 7002",
                "\"host\": \"0.0.0.0\", \"port\": 7002, \"advertise\": \"db-b.example.com\"") + "]}");
        assertEquals("0.0.0.0", config.node("B").host());
        assertEquals("db-b.example.com:7002", config.node("B").address());
        assertEquals("0.0.0.0:7002", config.node("B").bindAddress());
        assertEquals("127.0.0.1:7001", config.node("A").address()); // without "advertise": its host
        for (String wildcard : List.of("0.0.0.0", "::", "[::]")) {
            String listens = assertThrows(ConfigException.class, () -> parse(secure + NODES.replace("\"host\": \"127.0.0.1\","
                    + " \"port\": 7002", "\"host\": \"" + wildcard + "\", \"port\": 7002") + "]}")).getMessage();
            assertTrue(listens.contains("node 'B' listens on \"host\": \"" + wildcard + "\", every interface, and has no"
                    + " \"advertise\"") && listens.contains("set \"advertise\""), listens);
            String handedOut = assertThrows(ConfigException.class, () -> parse(secure + NODES.replace("\"port\": 7002",
                    "\"port\": 7002, \"advertise\": \"" + wildcard + "\"") + "]}")).getMessage();
            assertTrue(handedOut.contains("has \"advertise\": \"" + wildcard + "\"") && handedOut.contains("wildcard"), handedOut);
        }
        assertFailure("{\"nodes\": [" + NODES.replace("\"port\": 7002", "\"port\": 7002, \"advertise\": \"db-b:7009\"") + "]}",
                "without a port");
        // Two nodes on two machines may both listen on 0.0.0.0:7002; they clash only when reached at one address.
        assertFailure(secure + NODES.replace("\"host\": \"127.0.0.1\", \"port\": 7002", "\"host\": \"0.0.0.0\","
                + " \"port\": 7001, \"advertise\": \"127.0.0.1\"") + "]}", "are both reached at 127.0.0.1:7001");
    }

    @Test
    void nonLoopbackHost_withoutSecretOrTls_isRefusedNamingTheFieldsToSet() {
        for (String host : List.of("10.0.0.2", "0.0.0.0", "db-b.example.com", "::", "192.168.1.7")) {
            // A wildcard host listens on every interface and is reached at its "advertise".
            String advertise = ClusterConfig.isWildcard(host) ? ", \"advertise\": \"db-b.example.com\"" : "";
            String json = "{\"nodes\": [" + NODES.replace("\"host\": \"127.0.0.1\", \"port\": 7002", "\"host\": \"" + host
                    + "\", \"port\": 7002" + advertise) + "]}";
            String message = assertThrows(ConfigException.class, () -> parse(json)).getMessage();
            assertTrue(message.contains("node 'B' has \"host\": \"" + host + "\", which is not a loopback address")
                    && message.contains("set \"secret\""), message);
            String withSecret = json.replace("{\"nodes\"", "{\"secret\": \"0123456789abcdef0123\", \"nodes\"");
            String noTls = assertThrows(ConfigException.class, () -> parse(withSecret)).getMessage();
            assertTrue(noTls.contains("node 'B' has \"host\": \"" + host + "\"") && noTls.contains("set \"tls\""), noTls);
            ClusterConfig secure = parse(withSecret.replace("{\"secret\"", "{\"tls\": {\"certificates\": \"certs\"}, \"secret\""));
            assertEquals(host, secure.node("B").host());
            assertEquals(dir.resolve("certs"), secure.tls().certificates());
            assertEquals(TlsSettings.DEFAULT_ROLES, secure.tls().roles());
        }
        String roles = "{\"tls\": {\"certificates\": \"certs\", \"roles\": {\"app\": \"readwrite\", \"ops\": \"admin\"}},"
                + " \"nodes\": [" + NODES + "]}";
        assertEquals(java.util.Map.of("app", "readwrite", "ops", "admin"), parse(roles).tls().roles());
        assertFailure(roles.replace("\"admin\"}", "\"root\"}"), "tls.roles: 'ops' has role 'root'; use read, readwrite or admin");
        assertFailure("{\"tls\": {}, \"nodes\": [" + NODES + "]}", "\"tls\" needs \"certificates\"");
        assertEquals(java.util.Set.of("3f2a", "ff"), parse("{\"tls\": {\"certificates\": \"certs\", \"deniedSerials\":"
                + " [\"00:3F:2A\", \"ff\"]}, \"nodes\": [" + NODES + "]}").tls().deniedSerials());
        assertFailure("{\"tls\": {\"certificates\": \"certs\", \"deniedSerials\": [\"xyz\"]}, \"nodes\": [" + NODES + "]}",
                "tls.deniedSerials: 'xyz' is not a hexadecimal serial number");
        for (String host : List.of("localhost", "127.0.0.2", "::1", "[::1]")) {
            ClusterConfig loopback = parse("{\"nodes\": [" + NODES.replace("\"host\": \"127.0.0.1\", \"port\": 7002",
                    "\"host\": \"" + host + "\", \"port\": 7002") + "]}");
            assertEquals(null, loopback.secret(), host);
        }
        // A lone node replicates nothing, but serves clients: off loopback it needs TLS too.
        String lone = assertThrows(ConfigException.class, () -> ClusterConfig.standalone("0.0.0.0", 7001, dir, Limits.DEFAULT))
                .getMessage();
        assertTrue(lone.contains("set \"tls\""), lone);
    }

    @Test
    void replicationSettings_areOptionalFieldByField_andValidated() {
        assertEquals(ReplicationSettings.DEFAULT, parse("{\"nodes\": [" + NODES + "]}").replication());
        assertEquals(Duration.ofMillis(1000), ReplicationSettings.DEFAULT.heartbeat());
        assertEquals(Duration.ofMillis(3000), ReplicationSettings.DEFAULT.masterTimeout());
        ClusterConfig config = parse("{\"nodes\": [" + NODES + "], \"replication\": {\"heartbeatMillis\": 200}}");
        assertEquals(new ReplicationSettings(Duration.ofMillis(200), Duration.ofMillis(3000)), config.replication());
        assertFailure("{\"nodes\": [" + NODES + "], \"replication\": {\"heartbeatMillis\": 2000}}",
                "replication.masterTimeoutMillis (3000) must be at least twice replication.heartbeatMillis (2000)");
        assertFailure("{\"nodes\": [" + NODES + "], \"replication\": {\"heartbeatMillis\": 1}}",
                "replication.heartbeatMillis must be at least 10");
        assertFailure("{\"nodes\": [" + NODES + "], \"replication\": {\"heartbeat\": 1}}", "replication.heartbeat: unknown field; the fields there are \"confirmStreamTimeoutMillis\"");
    }

    @Test
    void consensusSettings_areOptionalFieldByField_andValidatedWithTheirNames() {
        assertEquals(ConsensusSettings.DEFAULT, parse("{\"nodes\": [" + NODES + "]}").consensus());
        assertEquals(Duration.ofMillis(1000), ConsensusSettings.DEFAULT.lease());
        ClusterConfig config = parse("{\"nodes\": [" + NODES + "], \"consensus\": {\"leaseMillis\": 2000,"
                + " \"snapshotEntries\": 64}}");
        assertEquals(Duration.ofMillis(2000), config.consensus().lease());
        assertEquals(64, config.consensus().snapshotEntries());
        assertEquals(ConsensusSettings.DEFAULT.electionTimeoutMax(), config.consensus().electionTimeoutMax());
        assertFailure("{\"nodes\": [" + NODES + "], \"consensus\": {\"leaseMillis\": 50}}",
                "consensus.leaseMillis must be at least 100, was 50");
        assertFailure("{\"nodes\": [" + NODES + "], \"consensus\": {\"leaseMillis\": 500}}",
                "consensus.electionTimeoutMaxMillis (600) must be less than consensus.leaseMillis (500)");
        assertFailure("{\"nodes\": [" + NODES + "], \"consensus\": {\"lease\": 500}}", "consensus.lease: unknown field");
    }

    @Test
    void replicationTimingAndBatches_areSettings_withTheirDefaults_andCheckedWithTheirNames() {
        ReplicationSettings d = ReplicationSettings.DEFAULT;
        assertEquals(Duration.ofSeconds(10), d.handshakeTimeout());
        assertEquals(Duration.ofSeconds(5), d.confirmStreamTimeout());
        assertEquals(Duration.ofMillis(50), d.reconnectBackoffMin());
        assertEquals(Duration.ofSeconds(2), d.reconnectBackoffMax());
        assertEquals(256, d.maxBatchChanges());
        assertEquals(1024 * 1024, d.maxBatchBytes());
        assertEquals(200_000, d.lagHistoryCommits());
        assertEquals(Duration.ofSeconds(60), d.maxAssuranceWait());
        assertEquals(ConflictPolicy.SURFACE, d.conflicts());
        ReplicationSettings set = parse("{\"nodes\": [" + NODES + "], \"replication\": {\"handshakeTimeoutMillis\": 2000,"
                + " \"confirmStreamTimeoutMillis\": 1500, \"reconnectBackoffMinMillis\": 10, \"reconnectBackoffMaxMillis\": 500,"
                + " \"maxBatchChanges\": 32, \"maxBatchBytes\": 65536, \"lagHistoryCommits\": 1000, \"maxAssuranceWaitMillis\": 5000, \"conflicts\": \"latest\"}}").replication();
        assertEquals(new ReplicationSettings(d.heartbeat(), d.masterTimeout(), Duration.ofMillis(2000), Duration.ofMillis(1500),
                Duration.ofMillis(10), Duration.ofMillis(500), 32, 65536, 1000, Duration.ofMillis(5000),
                ConflictPolicy.LATEST), set);
        assertFailure("{\"nodes\": [" + NODES + "], \"replication\": {\"conflicts\": \"newest\"}}",
                "replication.conflicts must be surface, latest or master, was 'newest'");
        assertFailure("{\"nodes\": [" + NODES + "], \"replication\": {\"maxBatchChanges\": 0}}",
                "replication.maxBatchChanges must be at least 1, was 0");
        assertFailure("{\"nodes\": [" + NODES + "], \"replication\": {\"handshakeTimeoutMillis\": 5}}",
                "replication.handshakeTimeoutMillis must be at least 100, was 5");
        assertFailure("{\"nodes\": [" + NODES + "], \"replication\": {\"reconnectBackoffMaxMillis\": 20}}",
                "replication.reconnectBackoffMaxMillis (20) must be at least replication.reconnectBackoffMinMillis (50)");
    }

    @Test
    void wireLimitSettings_haveTheirDefaults_andTheExchangeCallLimitNeverExceedsTheRequestLimit() {
        assertEquals(16, ServingLimits.DEFAULT.maxDirectGetIds());
        assertEquals(4 * 1024 * 1024, ServingLimits.DEFAULT.maxExchangeRequestBytes());
        assertEquals(4 * 1024 * 1024, NodeSettings.DEFAULT.maxExchangeRequestBytes());
        ClusterConfig config = parse("{\"nodes\": [" + NODES + "], \"serving\": {\"maxDirectGetIds\": 8,"
                + " \"maxExchangeRequestBytes\": 65536}}");
        assertEquals(8, config.serving().maxDirectGetIds());
        assertEquals(65536, config.settings().maxExchangeRequestBytes());
        ClusterConfig smallRequests = parse("{\"nodes\": [" + NODES + "], \"limits\": {\"maxDocumentBytes\": 1024,"
                + " \"maxRequestBytes\": 2048}}");
        assertEquals(2048, smallRequests.settings().maxExchangeRequestBytes());
        assertFailure("{\"nodes\": [" + NODES + "], \"serving\": {\"maxDirectGetIds\": 0}}",
                "serving.maxDirectGetIds must be at least 1, was 0");
        assertFailure("{\"nodes\": [" + NODES + "], \"serving\": {\"maxExchangeRequestBytes\": 100}}",
                "serving.maxExchangeRequestBytes must be at least 1024, was 100");
    }

    @Test
    void unknownNode_isNamed() {
        ClusterConfig config = parse("{\"nodes\": [" + NODES + "]}");
        String message = assertThrows(ConfigException.class, () -> config.node("Z")).getMessage();
        assertTrue(message.contains("unknown node 'Z'") && message.contains("[A, B, C]"), message);
    }

    @Test
    void inconsistentConfigs_areRefusedWithTheProblemNamed() {
        assertFailure("{\"nodes\": [" + NODES.replace("\"replica\"}", "\"master\"}") + "]}", "3 nodes have \"role\": \"master\"");
        assertFailure("{\"nodes\": [" + NODES.replace("\"master\"", "\"replica\"") + "]}", "no node has \"role\": \"master\"");
        assertFailure("{\"nodes\": [" + NODES.replace("7003", "7002") + "]}", "port clash: nodes 'B' and 'C' are both reached at 127.0.0.1:7002");
        assertFailure("{\"nodes\": [" + NODES.replace("\"C\"", "\"B\"") + "]}", "two nodes are named 'B'");
        assertFailure("{\"nodes\": [" + NODES.replace("data/C", "data/B") + "]}", "share the data directory");
        assertFailure("{\"nodes\": [" + NODES.replace("\"replica\"", "\"leader\"") + "]}", "use \"master\" or \"replica\"");
        assertFailure("{\"nodes\": [" + NODES.replace("7001", "70001") + "]}", "from 0 to 65535, has 70001");
        assertFailure("{\"nodes\": []}", "lists no nodes");
        assertFailure("{\"nodes\": [" + NODES + "], \"colour\": 1}", "test.json: colour: unknown field; the fields there are");
        assertFailure("{\"nodes\": [", "test.json: not valid JSON: Unexpected end-of-input");
        assertFailure("{\"nodes\": [" + NODES + "], \"limits\": {\"maxPageSize\": 1}}", "limits.maxPageSize");
    }

    @Test
    void aValueOfTheWrongKind_isNamedByItsPathAndPlace_inTheConfigsWords() {
        String wrongPort = "{\"nodes\": [" + NODES.replace("7002", "\"7002x\"") + "]}";
        String message = assertThrows(ConfigException.class, () -> parse(wrongPort)).getMessage();
        assertTrue(message.matches("cluster config test\\.json: nodes\\[1]\\.port: \"7002x\" is not a whole number"
                + " \\(line 2, column [0-9]+\\)"), message);
        assertFailure("{\"nodes\": [" + NODES + "], \"limits\": {\"maxDocumentBytes\": \"big\"}}",
                "limits.maxDocumentBytes: \"big\" is not a whole number");
        assertFailure("{\"nodes\": [" + NODES + "], \"limits\": []}", "limits: expected an object");
        assertFailure("{\"nodes\": {}}", "nodes: expected a list");
        for (String json : List.of(wrongPort, "{\"nodes\": [" + NODES + "], \"serving\": {\"x\": 1}}", "{\"nodes\": [")) {
            String text = assertThrows(ConfigException.class, () -> parse(json)).getMessage();
            assertFalse(text.contains("dev.corvid") || text.contains("java.") || text.contains("Model"),
                    "no Java classes in: " + text);
        }
    }

    @Test
    void missingFile_isNamed() {
        String message = assertThrows(ConfigException.class, () -> ClusterConfig.load(dir.resolve("nope.json"))).getMessage();
        assertTrue(message.contains("nope.json does not exist"), message);
    }

    @Test
    void load_readsAFile() throws Exception {
        Path file = Files.writeString(dir.resolve("c.json"), "{\"nodes\": [" + NODES + "]}");
        assertEquals(dir.resolve("data/A"), ClusterConfig.load(file).master().dataDirectory());
    }
}
