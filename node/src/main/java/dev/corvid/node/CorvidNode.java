package dev.corvid.node;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.Limits;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.cluster.ConsensusMastership;
import dev.corvid.node.cluster.Mastership;
import dev.corvid.node.replication.ReplicaApplier;
import dev.corvid.node.replication.ReplicationRole;
import dev.corvid.node.rpc.NodeServer;
import dev.corvid.node.storage.LogStorage;
import dev.corvid.node.storage.Storage;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.ChannelCredentials;
import dev.corvid.node.metrics.CallMetrics;
import dev.corvid.node.metrics.MetricsEndpoint;
import dev.corvid.node.metrics.NodeMetrics;
import dev.corvid.node.security.Authorization;
import dev.corvid.node.security.RefusedConnections;
import dev.corvid.node.security.Tls;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running node: its storage, its gRPC server and replication, started together and stopped in
 * order: stop pushing to replicas (master) or end the master's streams (replica), stop taking calls
 * and drain, close storage.
 */
public final class CorvidNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CorvidNode.class);
    /** How long calls in flight get to finish on a graceful stop. */
    public static final Duration DRAIN = Duration.ofSeconds(10);
    /** How often an idle replication stream is pinged (gRPC's floor for client keepalive). */
    private static final Duration KEEPALIVE = Duration.ofSeconds(10);

    private final NodeConfig self;
    private final Storage storage;
    private final NodeServer server;
    private final ReplicaApplier inbound;
    private final ReplicationRole replication;
    /** The Raft-decided master; null when the config's master is static. */
    private final ConsensusMastership consensus;
    /** The scrape endpoint; null without a {@code metricsPort}. */
    private final MetricsEndpoint endpoint;
    private final NodeMetrics metrics;
    private final AtomicBoolean closed = new AtomicBoolean();

    private CorvidNode(NodeConfig self, Storage storage, NodeServer server, ReplicaApplier inbound,
                       ReplicationRole replication, ConsensusMastership consensus, MetricsEndpoint endpoint,
                       NodeMetrics metrics) {
        this.endpoint = endpoint;
        this.metrics = metrics;
        this.self = self;
        this.storage = storage;
        this.server = server;
        this.inbound = inbound;
        this.replication = replication;
        this.consensus = consensus;
    }

    /**
     * Opens the node's storage and starts serving on the host and port its config names; the master
     * then starts pushing its changes to every replica of the config.
     */
    public static CorvidNode start(ClusterConfig cluster, String nodeName) {
        NodeConfig self = cluster.node(nodeName);
        LogStorage storage = LogStorage.open(cluster.storage().options(self.dataDirectory(),
                cluster.limits().maxDocumentBytes()));
        ConsensusMastership consensus = null;
        ReplicationRole replication = null;
        MetricsEndpoint endpoint = null;
        try {
            consensus = cluster.failover().usesConsensus() ? ConsensusMastership.start(cluster, nodeName) : null;
            Mastership mastership = consensus != null ? consensus : Mastership.fixed(cluster, nodeName);
            // Used without a secret (loopback only) to ask the master whether it opened a stream, and
            // to hand failover writes back to it: with TLS, only to the master's certificate.
            ReplicaApplier inbound = new ReplicaApplier(storage, cluster, self, mastership,
                    address -> NettyChannelBuilder.forTarget(address, toPeerAt(cluster, nodeName, address)).build());
            RefusedConnections refused = new RefusedConnections(nodeName);
            NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(self.host(), self.port()),
                            Tls.server(cluster.tls(), nodeName, refused))
                    // The master's replication channels ping idle streams to notice a replica that vanished.
                    .permitKeepAliveTime(KEEPALIVE.toSeconds(), TimeUnit.SECONDS)
                    .permitKeepAliveWithoutCalls(true)
                    // HTTP/2 MAX_CONCURRENT_STREAMS: a client waits for a call to end before it opens more.
                    .maxConcurrentCallsPerConnection(cluster.serving().maxCallsPerConnection());
            if (cluster.tls().enabled()) {
                builder.intercept(Authorization.of(cluster, nodeName)).addTransportFilter(refused);
            }
            ReplicationRole role = new ReplicationRole(storage, mastership, inbound, replica -> replicationChannel(replica,
                    Tls.toPeer(cluster.tls(), nodeName, replica.name())));
            replication = role;
            NodeMetrics metrics = new NodeMetrics(self, storage, role,
                    cluster.nodes().stream().filter(n -> !n.name().equals(nodeName)).toList());
            storage.observe(metrics);
            builder.intercept(new CallMetrics(metrics.registry())); // outermost: refused calls count too
            NodeServer server = new NodeServer(builder, storage, cluster, self, role, inbound, role, role, mastership).start();
            if (self.metricsPort() != 0) {
                endpoint = MetricsEndpoint.start(self.host(), self.metricsPort(), metrics.registry());
                log.info("node {} serves its metrics on http://{}:{}{}", nodeName, self.advertise(), endpoint.port(),
                        MetricsEndpoint.PATH);
            }
            role.start();
            return new CorvidNode(self, storage, server, inbound, role, consensus, endpoint, metrics);
        } catch (IOException | RuntimeException e) {
            if (endpoint != null) {
                endpoint.close();
            }
            if (replication != null) {
                replication.close();
            }
            if (consensus != null) {
                consensus.close();
            }
            storage.close();
            if (e instanceof IOException io) {
                throw new UncheckedIOException("node " + nodeName + " cannot listen on " + self.address() + ": " + io, io);
            }
            throw (RuntimeException) e;
        }
    }

    /** {@link Tls#toPeer} for the node of the config at {@code address}; {@link Tls#asNode} for another address. */
    private static ChannelCredentials toPeerAt(ClusterConfig cluster, String self, String address) {
        return cluster.nodes().stream().filter(n -> n.address().equals(address)).findFirst()
                .map(n -> Tls.toPeer(cluster.tls(), self, n.name()))
                .orElseGet(() -> Tls.asNode(cluster.tls(), self));
    }

    private static ManagedChannel replicationChannel(NodeConfig replica, ChannelCredentials credentials) {
        return NettyChannelBuilder.forTarget(replica.address(), credentials)
                .keepAliveTime(KEEPALIVE.toSeconds(), TimeUnit.SECONDS)
                .keepAliveTimeout(5, TimeUnit.SECONDS)
                .build();
    }

    /** A master with no replicas on 127.0.0.1 and a port chosen by the OS: for tests and embedding. */
    public static CorvidNode standalone(Path dataDirectory) {
        return start(ClusterConfig.standalone("127.0.0.1", 0, dataDirectory, Limits.DEFAULT), "standalone");
    }

    public String name() {
        return self.name();
    }

    /** The node's meters (Micrometer), also for an application that embeds the node. */
    public io.micrometer.core.instrument.MeterRegistry meterRegistry() {
        return metrics.registry();
    }

    /** The port of the Prometheus scrape endpoint; 0 when the node has no {@code metricsPort}. */
    public int metricsPort() {
        return endpoint == null ? 0 : endpoint.port();
    }

    /** {@code host:port} as clients dial it. */
    public String address() {
        return server.address();
    }

    public int port() {
        return server.port();
    }

    /**
     * Graceful stop: stop replication (its streams would keep the server from draining), refuse new
     * calls, let calls in flight finish, then close storage.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        log.info("node {} stopping", self.name());
        replication.close();
        inbound.close();
        server.shutdown(DRAIN);
        if (endpoint != null) {
            endpoint.close();
        }
        if (consensus != null) {
            consensus.close();
        }
        storage.close();
        log.info("node {} stopped", self.name());
    }
}
