package dev.corvid.node.studio;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.corvid.node.cli.ConsistencyCheck;
import dev.corvid.node.cli.ConsistencyReport;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.security.Tls;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Corvid Studio: a web console for one cluster, served by a process of its own
 * ({@code corvid-admin studio}, {@code scripts/studio.sh}) on the JDK's HTTP server. It talks to
 * the nodes the way the admin tools do (gRPC; on a TLS cluster with one of the cluster's client
 * certificates, whose role decides what the page may do), so the nodes gain no listener and the
 * Studio no way around their roles. The page ({@code /}, {@code /studio.js}, {@code /studio.css})
 * comes from this jar, nothing from elsewhere; its data from the JSON API under {@code /api/}.
 */
public final class StudioServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StudioServer.class);
    /** Threads answering the page's requests. */
    static final int THREADS = 4;
    /** At most this many consistency checks at once (each reads every document of every node). */
    private static final int CHECKS = 1;
    /** How long the consistency check waits for each replica to catch up. */
    private static final Duration CHECK_CATCH_UP = Duration.ofSeconds(10);
    /** The page's default and largest page of a collection. */
    private static final int DEFAULT_TAKE = 25;
    private static final int MAX_TAKE = 200;
    private static final Map<String, String> ASSETS = Map.of(
            "/", "index.html", "/index.html", "index.html", "/studio.js", "studio.js", "/studio.css", "studio.css");

    private final ClusterConfig cluster;
    private final String identity;
    private final boolean readOnly;
    private final HttpServer server;
    private final ExecutorService executor;
    private final ClusterWatch watch;
    private final DocumentOps documents;
    private final ObjectMapper json = new ObjectMapper();
    private final Semaphore checks = new Semaphore(CHECKS);
    /** The largest request body taken: a node would refuse more anyway. */
    private final int maxRequestBytes;

    private StudioServer(ClusterConfig cluster, String identity, HttpServer server, ExecutorService executor,
                         ClusterWatch watch) {
        this.cluster = cluster;
        this.identity = cluster.tls().enabled() ? identity : identity + " (plaintext)";
        this.readOnly = identity.equals("read");
        this.server = server;
        this.executor = executor;
        this.watch = watch;
        this.documents = new DocumentOps(watch, cluster.nodes(), json);
        this.maxRequestBytes = cluster.limits().maxRequestBytes();
    }

    /**
     * Starts the Studio for {@code cluster} on {@code host:port} (0: a port the OS picks).
     *
     * @param identity on a TLS cluster the client certificate it uses ({@code admin},
     *                 {@code readwrite} or {@code read}); {@code read} makes the Studio read-only,
     *                 also on a plaintext cluster
     * @param interval how often it asks every node for its stats
     */
    public static StudioServer start(ClusterConfig cluster, String identity, String host, int port, Duration interval) {
        // Its certificate, read now: a Studio without one refuses to start rather than show every node DOWN.
        Tls.asClient(cluster.tls(), identity);
        // A TLS node tells only an admin its replicas' progress and its request counters.
        boolean details = !cluster.tls().enabled() || identity.equals("admin");
        ClusterWatch watch = new ClusterWatch(cluster, node -> channel(cluster, identity, node), interval, details).start();
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 64);
        } catch (IOException e) {
            watch.close();
            throw new UncheckedIOException("cannot listen for the Studio on " + host + ":" + port + ": " + e, e);
        }
        ExecutorService executor = Executors.newFixedThreadPool(THREADS, r -> {
            Thread t = new Thread(r, "corvid-studio-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        StudioServer studio = new StudioServer(cluster, identity, server, executor, watch);
        server.createContext("/", studio::handle);
        server.start();
        log.info("Corvid Studio for cluster {} on {} (as {})", cluster.name(), studio.url(), studio.identity);
        return studio;
    }

    private static ManagedChannel channel(ClusterConfig cluster, String identity, NodeConfig node) {
        return NettyChannelBuilder.forTarget(node.address(), Tls.asClient(cluster.tls(), identity)).build();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Where a browser opens it. */
    public String url() {
        InetSocketAddress a = server.getAddress();
        String host = a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getHostString();
        return "http://" + host + ":" + a.getPort() + "/";
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String method = exchange.getRequestMethod();
            try {
                if (path.startsWith("/api/")) {
                    byte[] body = readBody(exchange);
                    sendJson(exchange, 200, api(method, path, query(exchange), body));
                } else if (ASSETS.containsKey(path) && (method.equals("GET") || method.equals("HEAD"))) {
                    asset(exchange, ASSETS.get(path));
                } else {
                    throw new StudioException(404, "no page at " + path);
                }
            } catch (StudioException e) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("error", e.getMessage());
                body.putAll(e.fields);
                sendJson(exchange, e.status, body);
            } catch (RuntimeException e) {
                log.warn("Studio request {} {} failed", method, path, e);
                sendJson(exchange, 500, Map.of("error", "the Studio failed: " + e));
            }
        }
    }

    private Object api(String method, String path, Map<String, String> query, byte[] requestBody) {
        String route = method + " " + path;
        if (route.equals("GET /api/cluster")) {
            return cluster();
        }
        if (route.equals("GET /api/history")) {
            return history();
        }
        if (route.equals("GET /api/collections")) {
            return documents.collections();
        }
        if (method.equals("GET") && path.startsWith("/api/collections/")) {
            String name = URLDecoder.decode(path.substring("/api/collections/".length()), StandardCharsets.UTF_8);
            return documents.collection(name, number(query, "skip", 0, 0, Integer.MAX_VALUE),
                    number(query, "take", DEFAULT_TAKE, 1, MAX_TAKE));
        }
        if (path.equals("/api/document")) {
            String id = id(query, path);
            switch (method) {
                case "GET":
                    return documents.document(id);
                case "PUT":
                    writable();
                    JsonNode edit = body(requestBody);
                    return documents.put(id, text(edit, "etag"), required(edit, "body"), text(edit, "metadata"));
                case "DELETE":
                    writable();
                    return documents.delete(id, query.get("etag"));
                default:
                    throw new StudioException(405, method + " is not allowed on /api/document; GET, PUT or DELETE");
            }
        }
        if (path.equals("/api/document/resolve")) {
            if (!method.equals("POST")) {
                throw new StudioException(405, method + " is not allowed on /api/document/resolve; POST");
            }
            String id = id(query, path);
            writable();
            JsonNode pick = body(requestBody);
            JsonNode version = pick.get("version");
            if (version == null || !version.canConvertToInt() || !version.isIntegralNumber()) {
                throw new StudioException(400, "\"version\" is required: the number of the version to keep, 0 first");
            }
            return documents.resolve(id, text(pick, "etag"), version.intValue());
        }
        if (route.equals("GET /api/conflicts")) {
            return documents.conflicts();
        }
        if (route.equals("POST /api/consistency")) {
            return consistency();
        }
        throw new StudioException(404, "no API at " + method + " " + path);
    }

    private static String id(Map<String, String> query, String path) {
        String id = query.get("id");
        if (id == null || id.isBlank()) {
            throw new StudioException(400, "a document id is required: " + path + "?id=people/1");
        }
        return id;
    }

    private void writable() {
        if (readOnly) {
            throw new StudioException(403, "this Studio runs as '" + identity + "', which may only read");
        }
    }

    private Map<String, Object> cluster() {
        ClusterWatch.Snapshot s = watch.latest();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("cluster", cluster.name());
        out.put("failover", cluster.failover().configName());
        out.put("epoch", s.epoch());
        out.put("master", s.master());
        out.put("readOnly", readOnly);
        out.put("details", watch.details());
        out.put("identity", identity);
        out.put("time", s.time());
        out.put("nodes", s.nodes()); // each NodeView as JSON, one member per component
        return out;
    }

    private Map<String, Object> history() {
        return Map.of("intervalMs", watch.interval().toMillis(), "windowMs", ClusterWatch.WINDOW.toMillis(),
                "samples", watch.samples(), "events", watch.events());
    }

    private Map<String, Object> consistency() {
        if (cluster.tls().enabled() && !identity.startsWith("admin")) {
            // The check reads every node's digest, which only the admin role may.
            throw new StudioException(403, "the consistency check needs the admin role; this Studio runs as '"
                    + identity + "'");
        }
        if (!checks.tryAcquire()) {
            throw new StudioException(429, "a consistency check is running already; wait for its report");
        }
        try {
            ConsistencyReport report = ConsistencyCheck.run(cluster, CHECK_CATCH_UP);
            List<Map<String, Object>> replicas = new ArrayList<>();
            for (ConsistencyReport.Replica r : report.replicas()) {
                Map<String, Object> replica = new LinkedHashMap<>();
                replica.put("name", r.name());
                replica.put("matches", r.matches());
                replica.put("problem", r.problem());
                replica.put("liveDocuments", r.liveDocuments());
                replicas.add(replica);
            }
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("consistent", report.consistent());
            out.put("master", report.master());
            out.put("openConflicts", report.openConflicts());
            out.put("summary", report.summary());
            out.put("replicas", replicas);
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StudioException(503, "the consistency check was interrupted");
        } catch (io.grpc.StatusRuntimeException e) {
            throw DocumentOps.refusal(e);
        } finally {
            checks.release();
        }
    }

    private JsonNode body(byte[] bytes) {
        try {
            JsonNode node = json.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new StudioException(400, "the request body must be a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new StudioException(400, "the request body is not JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String text(JsonNode edit, String field) {
        JsonNode value = edit.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new StudioException(400, "\"" + field + "\" must be a string");
        }
        return value.asText();
    }

    private static String required(JsonNode edit, String field) {
        String value = text(edit, field);
        if (value == null) {
            throw new StudioException(400, "\"" + field + "\" is required: the document's JSON as text");
        }
        return value;
    }

    private static int number(Map<String, String> query, String name, int otherwise, int min, int max) {
        String value = query.get(name);
        if (value == null) {
            return otherwise;
        }
        try {
            int n = Integer.parseInt(value);
            if (n < min || n > max) {
                throw new StudioException(400, name + " must be from " + min + " to " + max + ", was " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new StudioException(400, name + " must be a whole number, was '" + value + "'");
        }
    }

    private static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> out = new LinkedHashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                out.put(key, eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    /** The request body, refused past {@link #maxRequestBytes} (413) without reading the rest. */
    private byte[] readBody(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(maxRequestBytes + 1);
            if (bytes.length > maxRequestBytes) {
                throw new StudioException(413, "the request is larger than the cluster's limits.maxRequestBytes ("
                        + maxRequestBytes + " bytes)");
            }
            return bytes;
        }
    }

    private void asset(HttpExchange exchange, String name) throws IOException {
        try (InputStream in = StudioServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new StudioException(500, "the Studio's " + name + " is missing from its jar");
            }
            String type = name.endsWith(".js") ? "text/javascript" : name.endsWith(".css") ? "text/css" : "text/html";
            exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            exchange.getResponseHeaders().set("Content-Security-Policy",
                    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'");
            send(exchange, 200, in.readAllBytes());
        }
    }

    private void sendJson(HttpExchange exchange, int status, Object body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        send(exchange, status, json.writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int status, byte[] bytes) throws IOException {
        boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        watch.close();
    }
}
