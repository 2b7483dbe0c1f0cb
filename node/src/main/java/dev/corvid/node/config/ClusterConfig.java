package dev.corvid.node.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A cluster description, read from JSON and validated in one place:
 * <pre>
 * {
 *   "cluster": "local-3node",
 *   "nodes": [
 *     {"name": "A", "host": "127.0.0.1", "port": 7001, "dataDir": "../run/A/data", "role": "master"},
 *     {"name": "B", "host": "127.0.0.1", "port": 7002, "dataDir": "../run/B/data", "role": "replica"}
 *   ],
 *   "limits": {"maxDocumentBytes": 4194304},
 *   "storage": {"logSegmentBytes": 16777216},
 *   "replication": {"heartbeatMillis": 1000, "masterTimeoutMillis": 3000},
 *   "serving": {"readerStallMillis": 30000},
 *   "consensus": {"leaseMillis": 1000},
 *   "secret": "at least 16 characters, shared by the nodes of this cluster"
 * }
 * </pre>
 * Exactly one node is the master; names, addresses and data directories are unique; relative data
 * directories resolve against the folder of the config file. {@code limits}, {@code storage},
 * {@code replication}, {@code serving}, {@code consensus} and each of their fields are optional: together they are
 * the node's {@link NodeSettings}, where every setting and its default is listed.
 *
 * <p>{@code secret} is what a replica checks before it takes a replication stream: the master
 * proves it knows the secret (HMAC-SHA256 over a fresh random challenge of the replica), and the
 * secret itself never travels. It is <b>required as soon as any node's host is not a loopback
 * address</b> in a cluster of more than one node (a hostname other than {@code localhost} counts
 * as not loopback), and must in any case be at least {@value #MIN_SECRET_LENGTH} characters: the
 * challenge and its proof cross the network in the clear, so a short secret could be guessed
 * offline from them. Without a secret (loopback
 * only) a replica instead asks the master at its configured address whether it opened the stream.
 * Until the security issue brings certificates the channel is plaintext: the secret proves who
 * opened a stream, it does not hide the documents or protect a stream from a machine in the
 * middle.
 *
 * @param name     the cluster's name
 * @param nodes    every node, master included, in the order written
 * @param secret   the replication secret, or null for none (loopback only)
 * @param settings what every node of the cluster is tuned to; null means {@link NodeSettings#DEFAULT}
 */
public record ClusterConfig(String name, List<NodeConfig> nodes, String secret, NodeSettings settings) {

    /** Shortest secret accepted: 16 characters. */
    public static final int MIN_SECRET_LENGTH = 16;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    public ClusterConfig {
        nodes = List.copyOf(nodes);
        validate(nodes);
        if (secret != null && secret.isBlank()) {
            throw new ConfigException("\"secret\" is blank; leave it out (loopback only) or give it a value of at least "
                    + MIN_SECRET_LENGTH + " characters");
        }
        if (secret != null && secret.length() < MIN_SECRET_LENGTH) {
            throw new ConfigException("\"secret\" has " + secret.length() + " characters; use at least " + MIN_SECRET_LENGTH
                    + " (random), since the replication handshake would let a short one be guessed offline");
        }
        if (secret == null && nodes.size() > 1) { // one node alone replicates nothing
            for (NodeConfig n : nodes) {
                if (!isLoopback(n.host())) {
                    throw new ConfigException("node '" + n.name() + "' has \"host\": \"" + n.host()
                            + "\", which is not a loopback address, so replication crosses a network: set \"secret\" at the"
                            + " top level of the cluster config to a random value of at least " + MIN_SECRET_LENGTH
                            + " characters, the same on every node (replicas then take streams only from a master"
                            + " that proves it knows it)");
                }
            }
        }
        if (settings == null) {
            settings = NodeSettings.DEFAULT;
        }
        if (!settings.tls().enabled()) { // safe by default: plaintext and anonymous clients on loopback only
            for (NodeConfig n : nodes) {
                if (!isLoopback(n.host())) {
                    throw new ConfigException("node '" + n.name() + "' has \"host\": \"" + n.host() + "\", which is not a"
                            + " loopback address, so clients and nodes would reach it in plaintext without certificates: set"
                            + " \"tls\": {\"certificates\": \"<folder>\"} at the top level of the cluster config (scripts/make-certs.sh"
                            + " CONFIG creates the folder), and every listener then speaks TLS and asks for client certificates");
                }
            }
        }
        if (settings.failover().usesConsensus()) {
            for (NodeConfig n : nodes) {
                if (n.consensusPort() == 0) {
                    throw new ConfigException("\"failover\": \"" + settings.failover().configName() + "\" needs a Raft port on"
                            + " every node: give node '" + n.name() + "' a \"consensusPort\" (1-65535, not its \"port\")");
                }
                if (n.consensusPort() == n.port()) {
                    throw new ConfigException("node '" + n.name() + "' has the same \"port\" and \"consensusPort\" "
                            + n.port() + "; give its Raft server a port of its own");
                }
            }
        }
    }

    /** Who decides which node is master: {@code "failover"}. */
    public FailoverMode failover() {
        return settings.failover();
    }

    /** This cluster as of an epoch whose master is {@code master}: the same nodes, the roles moved. */
    public ClusterConfig withMaster(String master) {
        node(master); // throws for a name the config does not have
        return new ClusterConfig(name, nodes.stream().map(n -> n.withRole(n.name().equals(master)
                ? NodeConfig.Role.MASTER : NodeConfig.Role.REPLICA)).toList(), secret, settings);
    }

    /** A cluster with these settings; a null section keeps its defaults. */
    public ClusterConfig(String name, List<NodeConfig> nodes, Limits limits, String secret,
                         StorageSettings storage, ReplicationSettings replication, ServingLimits serving) {
        this(name, nodes, secret, new NodeSettings(limits, storage, replication, serving));
    }

    /** A cluster without a replication secret (loopback only), with default storage, replication and serving settings. */
    public ClusterConfig(String name, List<NodeConfig> nodes, Limits limits) {
        this(name, nodes, limits, null);
    }

    /** A cluster with default storage, replication and serving settings. */
    public ClusterConfig(String name, List<NodeConfig> nodes, Limits limits, String secret) {
        this(name, nodes, limits, secret, null, null, null);
    }

    /** Request limits shared by all nodes: {@code settings().limits()}. */
    public Limits limits() {
        return settings.limits();
    }

    /** How every node tunes its storage: {@code settings().storage()}. */
    public StorageSettings storage() {
        return settings.storage();
    }

    /** Replication timing and batches: {@code settings().replication()}. */
    public ReplicationSettings replication() {
        return settings.replication();
    }

    /** Where the cluster's certificates are; {@link TlsSettings#NONE} for plaintext: {@code settings().tls()}. */
    public TlsSettings tls() {
        return settings.tls();
    }

    /** The master's lease and the Raft group's timing: {@code settings().consensus()}. */
    public dev.corvid.node.consensus.ConsensusSettings consensus() {
        return settings.consensus();
    }

    /** What one client may hold of a node, shared by all nodes: {@code settings().serving()}. */
    public ServingLimits serving() {
        return settings.serving();
    }

    /** Whether {@code host} is a wildcard (any-interface) literal, {@code 0.0.0.0} or {@code ::}. */
    static boolean isWildcard(String host) {
        String h = unbracketed(host);
        try {
            return isLiteral(h) && InetAddress.getByName(h).isAnyLocalAddress(); // a literal: parsed, not looked up
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static String unbracketed(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static boolean isLiteral(String h) {
        return h.matches("\\d{1,3}(\\.\\d{1,3}){3}") || h.matches("[0-9A-Fa-f:.]+") && h.contains(":");
    }

    /**
     * Whether {@code host} is a loopback address, decided without a DNS lookup: {@code localhost},
     * or an IPv4 or IPv6 literal in the loopback range. Any other hostname counts as not loopback.
     */
    static boolean isLoopback(String host) {
        String h = unbracketed(host);
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!isLiteral(h)) {
            return false;
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress(); // a literal: parsed, not looked up
        } catch (UnknownHostException e) {
            return false;
        }
    }

    /** Reads and validates a config file. */
    public static ClusterConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("cluster config " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException("cannot read cluster config " + file + ": " + e, e);
        }
        Path base = file.toAbsolutePath().getParent();
        return parse(text, base, file.toString());
    }

    /** Parses config text; relative data directories resolve against {@code base}. */
    public static ClusterConfig parse(String json, Path base, String source) {
        FileModel model;
        try {
            model = JSON.readValue(json, FileModel.class);
        } catch (JsonProcessingException e) {
            throw new ConfigException("cluster config " + source + ": " + JsonErrors.describe(e), e);
        }
        if (model == null || model.nodes == null || model.nodes.isEmpty()) {
            throw new ConfigException("cluster config " + source + " lists no nodes");
        }
        try {
            List<NodeConfig> nodes = model.nodes.stream().map(n -> n.toConfig(base)).toList();
            NodeSettings settings = model.toSettings();
            if (model.tls != null) {
                if (model.tls.certificates == null || model.tls.certificates.isBlank()) {
                    throw new ConfigException("\"tls\" needs \"certificates\": the folder corvid-admin certs writes"
                            + " (scripts/make-certs.sh)");
                }
                settings = settings.withTls(new TlsSettings(base.resolve(model.tls.certificates).normalize(), model.tls.roles,
                        model.tls.deniedSerials == null ? null : Set.copyOf(model.tls.deniedSerials)));
            }
            return new ClusterConfig(model.cluster == null ? "corvid" : model.cluster, nodes, model.secret, settings);
        } catch (ConfigException e) {
            throw new ConfigException("cluster config " + source + ": " + e.getMessage(), e);
        }
    }

    /** Like the record's, with the secret left out so it never reaches a log. */
    @Override
    public String toString() {
        return "ClusterConfig[name=" + name + ", nodes=" + nodes + ", secret=" + (secret == null ? "none" : "(set)")
                + ", settings=" + settings + "]";
    }

    /** The one master. */
    public NodeConfig master() {
        return nodes.stream().filter(n -> n.role() == NodeConfig.Role.MASTER).findFirst().orElseThrow();
    }

    /** Every replica, in config order. */
    public List<NodeConfig> replicas() {
        return nodes.stream().filter(n -> n.role() == NodeConfig.Role.REPLICA).toList();
    }

    public Optional<NodeConfig> find(String nodeName) {
        return nodes.stream().filter(n -> n.name().equals(nodeName)).findFirst();
    }

    /** @throws ConfigException naming the known nodes when there is no node of that name */
    public NodeConfig node(String nodeName) {
        return find(nodeName).orElseThrow(() -> new ConfigException("unknown node '" + nodeName
                + "': cluster '" + name + "' has " + nodes.stream().map(NodeConfig::name).toList()));
    }

    /** A cluster of one master and no replicas. */
    public static ClusterConfig standalone(String host, int port, Path dataDirectory, Limits limits) {
        return new ClusterConfig("standalone",
                List.of(new NodeConfig("standalone", host, port, dataDirectory, NodeConfig.Role.MASTER)), limits);
    }

    private static void validate(List<NodeConfig> nodes) {
        Set<String> names = new HashSet<>();
        Map<String, String> addresses = new HashMap<>();
        Map<Path, String> dataDirs = new HashMap<>();
        int masters = 0;
        for (NodeConfig n : nodes) {
            if (!names.add(n.name())) {
                throw new ConfigException("two nodes are named '" + n.name() + "'");
            }
            if (n.port() != 0) {
                String clash = addresses.put(n.address(), n.name());
                if (clash != null) {
                    throw new ConfigException("port clash: nodes '" + clash + "' and '" + n.name()
                            + "' are both reached at " + n.address());
                }
            }
            String dirClash = dataDirs.put(n.dataDirectory().toAbsolutePath().normalize(), n.name());
            if (dirClash != null) {
                throw new ConfigException("nodes '" + dirClash + "' and '" + n.name() + "' share the data directory "
                        + n.dataDirectory());
            }
            if (n.role() == NodeConfig.Role.MASTER) {
                masters++;
            }
        }
        if (masters != 1) {
            throw new ConfigException(masters == 0 ? "no node has \"role\": \"master\"; exactly one must"
                    : masters + " nodes have \"role\": \"master\"; exactly one may");
        }
    }

    /** The file format, as Jackson reads it; the settings sections are {@link SettingsFile}'s. */
    private static final class FileModel extends SettingsFile {
        @JsonProperty
        String cluster;
        @JsonProperty
        List<NodeModel> nodes;
        @JsonProperty
        String secret;
        @JsonProperty
        TlsModel tls;
    }

    private static final class TlsModel {
        @JsonProperty
        String certificates;
        @JsonProperty
        Map<String, String> roles;
        @JsonProperty
        List<String> deniedSerials;
    }

    private static final class NodeModel {
        @JsonProperty
        String name;
        @JsonProperty
        String host;
        @JsonProperty
        Integer port;
        @JsonProperty
        String dataDir;
        @JsonProperty
        String role;
        @JsonProperty
        Integer consensusPort;
        @JsonProperty
        String advertise;
        @JsonProperty
        Integer metricsPort;

        NodeConfig toConfig(Path base) {
            if (name == null || name.isBlank() || !name.matches("[A-Za-z0-9_.-]{1,64}")) {
                throw new ConfigException("node name " + (name == null ? "is missing" : "'" + name + "' is invalid")
                        + ": use 1-64 letters, digits, '.', '_' or '-'");
            }
            if (host == null || host.isBlank()) {
                throw new ConfigException("node '" + name + "' has no \"host\"");
            }
            if (port == null || port < 0 || port > 65535) {
                throw new ConfigException("node '" + name + "' needs a \"port\" from 0 to 65535, has " + port);
            }
            if (dataDir == null || dataDir.isBlank()) {
                throw new ConfigException("node '" + name + "' has no \"dataDir\"");
            }
            NodeConfig.Role parsedRole;
            try {
                parsedRole = NodeConfig.Role.valueOf(String.valueOf(role).toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ConfigException("node '" + name + "' has \"role\": " + (role == null ? "missing" : "'" + role + "'")
                        + "; use \"master\" or \"replica\"");
            }
            if (consensusPort != null && (consensusPort < 1 || consensusPort > 65535)) {
                throw new ConfigException("node '" + name + "' needs a \"consensusPort\" from 1 to 65535, has " + consensusPort);
            }
            if (advertise != null && (advertise.isBlank() || advertise.matches("[^:]+:\\d+|\\[.*]:\\d+"))) {
                throw new ConfigException("node '" + name + "' has \"advertise\": \"" + advertise + "\"; give the host"
                        + " name or address clients and nodes reach it by, without a port (it is \"port\")");
            }
            String reachedAt = advertise == null ? host : advertise;
            if (isWildcard(reachedAt)) {
                throw new ConfigException("node '" + name + "' " + (advertise == null ? "listens on \"host\": \"" + host
                        + "\", every interface, and has no \"advertise\"" : "has \"advertise\": \"" + advertise + "\"")
                        + ": clients and nodes cannot dial a wildcard address; set \"advertise\" to the host name or address"
                        + " they reach this node by");
            }
            if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535)) {
                throw new ConfigException("node '" + name + "' needs a \"metricsPort\" from 1 to 65535 (0 or absent for"
                        + " none), has " + metricsPort);
            }
            Path dir = base.resolve(dataDir).normalize();
            return new NodeConfig(name, host, port, dir, parsedRole, consensusPort == null ? 0 : consensusPort, reachedAt,
                    metricsPort == null ? 0 : metricsPort);
        }
    }
}
