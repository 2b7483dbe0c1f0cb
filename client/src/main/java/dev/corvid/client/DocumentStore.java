package dev.corvid.client;

import dev.corvid.client.routing.HealthMonitor;
import dev.corvid.client.routing.MasterTopologySource;
import dev.corvid.client.routing.NodeSelector;
import dev.corvid.client.routing.OperationKind;
import dev.corvid.client.routing.RequestContext;
import dev.corvid.client.routing.RequestExecutor;
import dev.corvid.client.routing.RequestObserver;
import dev.corvid.client.routing.RequestObservers;
import dev.corvid.client.routing.SessionRouting;
import dev.corvid.client.routing.Topology;
import dev.corvid.client.routing.TopologyCache;
import dev.corvid.client.routing.TopologySource;
import dev.corvid.client.transport.ChannelFactory;
import dev.corvid.client.transport.Connections;
import dev.corvid.proto.ReserveIdsRequest;
import dev.corvid.proto.ReserveIdsResponse;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * The entry point of the client: holds the conventions, the listeners and the connections to the
 * nodes, and opens sessions. One per application and cluster; thread-safe.
 *
 * <pre>{@code
 * try (DocumentStore store = new DocumentStore("127.0.0.1:7001")) {
 *     store.getConventions().setDefaultUseOptimisticConcurrency(true);
 *     store.initialize();
 *     try (DocumentSession session = store.openSession()) { ... }
 * }
 * }</pre>
 */
public final class DocumentStore implements AutoCloseable {

    /** What exists once the store is initialized. Immutable; published once. */
    private record Runtime(Connections connections, RequestExecutor executor, HealthMonitor monitor,
            DocumentIdGenerator ids, DatabaseCommands commands) {
    }

    private final List<String> urls;
    private final Conventions conventions = new Conventions();
    private final AtomicReference<Listeners> listeners = new AtomicReference<>(Listeners.NONE);
    private final RequestObservers requestObservers = new RequestObservers();
    private final Object lifecycle = new Object();
    /** Set once by {@link #initialize()}; guarded by {@link #lifecycle} for writes. */
    private volatile Runtime runtime;
    private volatile boolean closed;
    /** How the store learns replicas beyond its urls; replaced only before initialize (tests, the Topology RPC). */
    private volatile TopologySource topologySource = MasterTopologySource.INSTANCE;
    /** Null: Netty channels with the conventions' connect timeout. Tests inject in-process ones. */
    private volatile ChannelFactory channelFactory;
    private volatile KeyStore certificate;
    private volatile char[] certificatePassword = new char[0];
    private volatile KeyStore trustStore;
    /** The certificate chain and key PEM files, when given as files; null otherwise. */
    private volatile List<Path> certificatePem;
    private volatile Path trustPem;
    private volatile ChannelCredentials channelCredentials;

    /**
     * A store for the cluster whose nodes are at {@code urls}, the master first. A url is
     * {@code host:port} (a leading {@code http://} or {@code grpc://} is accepted). Nothing
     * connects before {@link #initialize()}.
     *
     * @throws IllegalArgumentException when no url is given or one is not {@code host:port}, or the
     *                                  system property {@value TransportMode#PROPERTY} names no
     *                                  {@link TransportMode}
     */
    public DocumentStore(String... urls) {
        if (urls == null || urls.length == 0) {
            throw new IllegalArgumentException("a DocumentStore needs the master's url, like \"127.0.0.1:7001\"");
        }
        List<String> addresses = new ArrayList<>(urls.length);
        for (String url : urls) {
            addresses.add(toAddress(url));
        }
        this.urls = List.copyOf(addresses);
    }

    static String toAddress(String url) {
        Objects.requireNonNull(url, "url");
        String address = url.trim();
        int scheme = address.indexOf("://");
        if (scheme >= 0) {
            address = address.substring(scheme + 3);
        }
        if (address.endsWith("/")) {
            address = address.substring(0, address.length() - 1);
        }
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1 || !address.substring(colon + 1).chars().allMatch(Character::isDigit)) {
            throw new IllegalArgumentException("'" + url + "' is not a node address: expected host:port, like 127.0.0.1:7001");
        }
        int port = Integer.parseInt(address.substring(colon + 1));
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("'" + url + "' has port " + port + ", outside 1-65535");
        }
        return address;
    }

    /**
     * The node addresses ({@code host:port}) given to the constructor, master first. The store
     * also knows replicas learned from the master or from the topology cache.
     */
    public List<String> getUrls() {
        return urls;
    }

    /** The conventions; change them before {@link #initialize()}, which freezes them. */
    public Conventions getConventions() {
        return conventions;
    }

    /** Adds a store listener, called by sessions opened from now on. Returns this store, for chaining. */
    public DocumentStore registerListener(DocumentStoreListener listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.updateAndGet(l -> l.with(listener));
        return this;
    }

    /** Adds a conversion listener, called by sessions opened from now on. Returns this store, for chaining. */
    public DocumentStore registerListener(DocumentConversionListener listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.updateAndGet(l -> l.with(listener));
        return this;
    }

    /**
     * Adds a conflict listener, asked (after those registered before it) when a read meets a
     * document in conflict: by sessions opened from now on, and by the store's own
     * {@link #getDatabaseCommands()} from its next call on. May be called before or after
     * {@link #initialize()}. Returns this store, for chaining.
     *
     * @see DocumentConflictListener
     */
    public DocumentStore registerListener(DocumentConflictListener listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.updateAndGet(l -> l.with(listener));
        return this;
    }

    /**
     * Freezes the conventions and prepares the connections (channels connect lazily, on the first
     * call). Idempotent: a second call does nothing.
     *
     * @return this store
     * @throws IllegalStateException when the store is closed
     */
    public DocumentStore initialize() {
        synchronized (lifecycle) {
            checkNotClosed();
            if (runtime == null) {
                conventions.freeze();
                runtime = start();
            }
            return this;
        }
    }

    /** Builds the runtime: topology (urls, then the cache), routing, background health checks. */
    private Runtime start() {
        TopologyCache cache = new TopologyCache(conventions.getTopologyCacheDirectory(), urls.get(0));
        Topology given = new Topology(urls);
        Topology topology = cache.load().map(cached -> given.withReplicas(cached.replicas())).orElse(given);
        if (given.nodes().size() > 1 && !cache.load().map(topology::equals).orElse(false)) {
            cache.save(topology); // a later client given only the master's url still knows these replicas
        }
        NodeSelector selector = new NodeSelector(topology, conventions.failoverPolicy());
        ChannelFactory channels = channelFactory != null ? channelFactory
                : ChannelFactory.netty(conventions.getConnectTimeout(), credentials());
        Connections connections = conventions.getTransportMode().connect(channels);
        RequestExecutor executor = new RequestExecutor(selector, conventions.getRequestTimeout(), connections,
                requestObservers);
        Duration probeTimeout = min(conventions.getConnectTimeout(), conventions.getRequestTimeout());
        HealthMonitor monitor = new HealthMonitor(selector, connections, topologySource, cache, probeTimeout);
        monitor.start(conventions.getFailedNodeProbeInterval(), conventions.getTopologyRefreshInterval());
        RequestContext storeRequests = new RequestContext(executor, SessionRouting.NONE, Integer.MAX_VALUE);
        DocumentIdGenerator ids = new DocumentIdGenerator((collection, count) -> reserve(storeRequests, collection, count));
        // the store's commands live as long as the store: they ask the listeners registered so far
        ConflictResolver conflicts = new ConflictResolver(() -> listeners.get().conflict());
        return new Runtime(connections, executor, monitor, ids, new DatabaseCommands(storeRequests, conventions.getObjectMapper(),
                conventions.getWriteAssurance(), conflicts));
    }

    /**
     * The client certificate (a key store holding its private key and chain, as ravendb-jvm-client
     * takes it) this store presents to a TLS cluster. Before {@link #initialize()} only; with a
     * trust store ({@link #setTrustStore}) the store speaks TLS to every node; without either it
     * speaks plaintext.
     *
     * @param certificate e.g. a PKCS#12 file loaded with {@code KeyStore.getInstance("PKCS12")}
     */
    public DocumentStore setCertificate(KeyStore certificate) {
        checkNotInitialized();
        this.certificate = Objects.requireNonNull(certificate, "certificate");
        this.certificatePem = null;
        return this;
    }

    /**
     * {@link #setCertificate(KeyStore)} from PEM files: the certificate chain (leaf first) and its
     * unencrypted PKCS#8 private key ({@code BEGIN PRIVATE KEY}), like a cluster's
     * {@code clients/readwrite.pem} and {@code clients/readwrite-key.pem}.
     */
    public DocumentStore setCertificate(Path certificateChainPem, Path privateKeyPem) {
        checkNotInitialized();
        this.certificatePem = List.of(readable(certificateChainPem), readable(privateKeyPem));
        this.certificate = null;
        return this;
    }

    /** The password of the private key in {@link #setCertificate(KeyStore)}'s key store; empty by default. */
    public DocumentStore setCertificatePrivateKeyPassword(char[] password) {
        checkNotInitialized();
        this.certificatePassword = Objects.requireNonNull(password, "password").clone();
        return this;
    }

    /** The CA certificates this store trusts the nodes' certificates by (a key store holding the cluster's CA). */
    public DocumentStore setTrustStore(KeyStore trustStore) {
        checkNotInitialized();
        this.trustStore = Objects.requireNonNull(trustStore, "trustStore");
        this.trustPem = null;
        return this;
    }

    /** {@link #setTrustStore(KeyStore)} from a PEM file of CA certificates, like a cluster's {@code ca.pem}. */
    public DocumentStore setTrustStore(Path caCertificatesPem) {
        checkNotInitialized();
        this.trustPem = readable(caCertificatesPem);
        this.trustStore = null;
        return this;
    }

    /**
     * The gRPC credentials of every channel to the nodes, for what the certificate setters do not
     * cover (another TLS provider, a key manager that rotates certificates, call credentials added
     * with {@link io.grpc.CompositeChannelCredentials}). Replaces {@link #setCertificate} and
     * {@link #setTrustStore}. Before {@link #initialize()} only.
     */
    public DocumentStore setChannelCredentials(ChannelCredentials credentials) {
        checkNotInitialized();
        this.channelCredentials = Objects.requireNonNull(credentials, "credentials");
        return this;
    }

    private static Path readable(Path file) {
        Objects.requireNonNull(file, "file");
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("PEM file " + file + " does not exist or cannot be read");
        }
        return file;
    }

    /** The application's credentials; else plaintext, or TLS with the certificate and trust store set. */
    private ChannelCredentials credentials() {
        if (channelCredentials != null) {
            return channelCredentials;
        }
        boolean hasCertificate = certificate != null || certificatePem != null;
        boolean hasTrust = trustStore != null || trustPem != null;
        if (!hasCertificate && !hasTrust) {
            return InsecureChannelCredentials.create();
        }
        if (!hasTrust) {
            throw new IllegalStateException("a client certificate is set but no trust store: call setTrustStore with the"
                    + " cluster's CA certificate too");
        }
        try {
            TlsChannelCredentials.Builder tls = TlsChannelCredentials.newBuilder();
            if (trustPem != null) {
                tls.trustManager(trustPem.toFile());
            } else {
                TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                trust.init(trustStore);
                tls.trustManager(trust.getTrustManagers());
            }
            if (certificatePem != null) {
                tls.keyManager(certificatePem.get(0).toFile(), certificatePem.get(1).toFile());
            } else if (certificate != null) {
                KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                keys.init(certificate, certificatePassword);
                tls.keyManager(keys.getKeyManagers());
            }
            return tls.build();
        } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
            throw new IllegalStateException("cannot use the client certificate or trust store: " + e.getMessage(), e);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Replaces how the store learns its replicas. Before {@link #initialize()} only. */
    DocumentStore useTopologySource(TopologySource source) {
        checkNotInitialized();
        this.topologySource = Objects.requireNonNull(source, "source");
        return this;
    }

    /** Replaces how channels are made (in-process transports in tests). Before {@link #initialize()} only. */
    DocumentStore useChannelFactory(ChannelFactory factory) {
        checkNotInitialized();
        this.channelFactory = Objects.requireNonNull(factory, "factory");
        return this;
    }

    /** Adds who hears every call's attempts, failovers and retries from now on ({@link CorvidClientMetrics}). */
    void observeRequests(RequestObserver observer) {
        requestObservers.add(Objects.requireNonNull(observer, "observer"));
    }

    /** How many nodes the store takes for down now; 0 before {@link #initialize()} and after {@link #close()}. */
    double unreachableNodeCount() {
        Runtime r = runtime;
        return r == null || closed ? 0 : r.executor().selector().state().failed().size();
    }

    /** The routing state, for tests and diagnostics. */
    NodeSelector.State routingState() {
        return runtime().executor().selector().state();
    }

    private void checkNotInitialized() {
        if (runtime != null) {
            throw new IllegalStateException("the store is already initialized");
        }
    }

    private static IdRange reserve(RequestContext requests, String collection, long count) {
        ReserveIdsRequest request = ReserveIdsRequest.newBuilder().setCollection(collection).setCount(count).build();
        ReserveIdsResponse response = requests.execute(OperationKind.MASTER_ONLY, "ReserveIds",
                (node, deadline, target) -> node.reserveIds(request, deadline));
        return new IdRange(response.getFirst(), response.getLast());
    }

    /** Opens a session with default options. */
    public DocumentSession openSession() {
        return openSession(new SessionOptions());
    }

    /**
     * Opens a session: a cheap, single-threaded unit of work.
     *
     * @throws IllegalStateException before {@link #initialize()} or after {@link #close()}
     */
    public DocumentSession openSession(SessionOptions options) {
        Objects.requireNonNull(options, "options");
        Runtime rt = runtime();
        // every session takes the next turn in the read round-robin, used under READ_FROM_ALL_SERVERS
        RequestContext requests = new RequestContext(rt.executor(),
                new SessionRouting(options.isForceReadFromMaster(), rt.executor().nextStripe()),
                conventions.getMaxNumberOfRequestsPerSession());
        Listeners snapshot = listeners.get();
        EntityConverter converter = new EntityConverter(conventions, snapshot);
        List<DocumentConflictListener> conflictListeners = snapshot.conflict();
        return new DocumentSession(this, converter, new DatabaseCommands(requests, conventions.getObjectMapper(),
                conventions.getWriteAssurance(), new ConflictResolver(() -> conflictListeners)),
                conventions.isDefaultUseOptimisticConcurrency());
    }

    /**
     * Raw-JSON commands on the store, outside any session (no request budget).
     *
     * @throws IllegalStateException before {@link #initialize()} or after {@link #close()}
     */
    public DatabaseCommands getDatabaseCommands() {
        return runtime().commands();
    }

    String generateDocumentId(String collection) {
        return runtime().ids().generate(collection);
    }

    /** Closes the connections to the nodes and releases their threads. Idempotent; throws nothing. */
    @Override
    public void close() {
        Runtime rt;
        synchronized (lifecycle) {
            if (closed) {
                return;
            }
            closed = true;
            rt = runtime;
        }
        if (rt != null) {
            rt.monitor().close();
            rt.connections().close();
        }
    }

    private Runtime runtime() {
        checkNotClosed();
        Runtime rt = runtime;
        if (rt == null) {
            throw new IllegalStateException("call DocumentStore.initialize() before opening sessions or running commands");
        }
        return rt;
    }

    private void checkNotClosed() {
        if (closed) {
            throw new IllegalStateException("this DocumentStore is closed; create a new one");
        }
    }
}
