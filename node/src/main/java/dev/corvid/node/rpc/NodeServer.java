package dev.corvid.node.rpc;

import dev.corvid.node.cluster.Mastership;
import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.config.ServingLimits;
import dev.corvid.node.replication.HandbackReceiver;
import dev.corvid.node.replication.OpenedStreams;
import dev.corvid.node.replication.Promotion;
import dev.corvid.node.replication.ReplicaApplier;
import dev.corvid.node.replication.ReplicationStatus;
import dev.corvid.node.replication.WriteAdmission;
import dev.corvid.node.replication.WriteConfirmations;
import dev.corvid.node.storage.Storage;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptors;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's gRPC server: the Documents and Replication services plus the standard health and
 * reflection services, so generic gRPC tools can see the node. The transport is injected as a
 * {@link ServerBuilder}, so tests can use in-process servers or port 0. A request to the Documents
 * or Replication service whose bytes do not parse fails {@code INVALID_ARGUMENT} ({@link RequestParsing}).
 *
 * <p>Calls run directly on the transport's threads: no handler waits (writes complete when the
 * storage writer is done), which saves a thread hand-off per call, about a third of the cost of a
 * small call on a 2-core machine. The few calls that may scan or wait run on a small pool of their own
 * ({@code serving.rpcThreads}), Stats and Topology on a thread of their own, each with a bounded
 * queue ({@code serving.rpcQueueCalls}); streams hold no thread while their reader is slow, and a
 * shared timer resets those whose reader stalls ({@code serving.readerStallMillis}).
 */
public final class NodeServer {

    private static final Logger log = LoggerFactory.getLogger(NodeServer.class);

    private final Server server;
    private final NodeHealth health = new NodeHealth();
    private final NodeConfig self;
    /** Queries, large gets, id reservations, Digest pages: calls that may scan or wait. */
    private final ExecutorService blocking;
    /** Stats and Topology, so that they never wait behind the calls above. */
    private final ExecutorService control;
    /** Stall checks of streaming readers. */
    private final ScheduledThreadPoolExecutor timer;
    private final DocumentService documents;
    private volatile String address;

    /**
     * @param replication the replication progress this node knows, for stats and topology
     * @param inbound     takes replication streams (and refuses them on the master); on a replica
     *                    it also decides whether failover writes are taken
     * @param opened      confirms the streams this node opened ({@link OpenedStreams#NONE} on a replica)
     * @param confirmations waits for replicas to confirm writes that ask for write assurance
     *                    ({@link WriteConfirmations#NONE} on a replica)
     */
    public NodeServer(ServerBuilder<?> builder, Storage storage, ClusterConfig cluster, NodeConfig self,
                      ReplicationStatus replication, ReplicaApplier inbound, OpenedStreams opened,
                      WriteConfirmations confirmations) {
        this(builder, storage, cluster, self, replication, inbound, opened, confirmations, Mastership.fixed(cluster, self.name()));
    }

    /** @param mastership who is master now (the config's master, or the Raft group's) */
    public NodeServer(ServerBuilder<?> builder, Storage storage, ClusterConfig cluster, NodeConfig self,
                      ReplicationStatus replication, ReplicaApplier inbound, OpenedStreams opened,
                      WriteConfirmations confirmations, Mastership mastership) {
        this.self = self;
        this.address = self.address();
        NodeCounters counters = new NodeCounters();
        ServingLimits serving = cluster.serving();
        this.blocking = pool("corvid-rpc-", serving.rpcThreads(), serving.rpcQueueCalls());
        this.control = pool("corvid-stats-", 1, serving.rpcQueueCalls());
        this.timer = new ScheduledThreadPoolExecutor(1, daemon("corvid-reader-watch-"));
        timer.setRemoveOnCancelPolicy(true); // a stream's check is cancelled each time it ends
        this.documents = new DocumentService(storage, cluster, self, counters, () -> address, replication,
                new WriteAdmission(self, mastership, inbound), confirmations, mastership, blocking, control, timer, health);
        storage.addFailureListener(cause -> {
            log.error("node {} is NOT_SERVING: its storage takes no more writes ({})", self.name(), cause.toString());
            health.notServing("storage stopped after a failed disk write: " + cause);
        });
        this.server = builder
                .directExecutor()
                .maxInboundMessageSize(cluster.limits().maxRequestBytes())
                .addService(RequestParsing.refuseMalformed(StreamReset.install(documents.bindService())))
                .addService(ServerInterceptors.intercept(RequestParsing.refuseMalformed(
                        new ReplicationService(inbound, opened, new HandbackReceiver(storage, cluster, self, mastership), serving)
                                .bindService()), new PeerAddress()))
                .addService(RequestParsing.refuseMalformed(new ClusterService(
                        new Promotion(cluster, mastership, replication), blocking).bindService()))
                .addService(health.manager().getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance())
                .addService(legacyReflection())
                .build();
    }

    /** {@code threads} daemon threads, with at most {@code queue} tasks waiting; more are rejected. */
    private static ExecutorService pool(String name, int threads, int queue) {
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(queue),
                daemon(name));
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    @SuppressWarnings("deprecation")
    private static io.grpc.BindableService legacyReflection() {
        // v1alpha reflection: still what many tools (grpcurl among them) ask for first.
        return ProtoReflectionService.newInstance();
    }

    /**
     * Binds and starts serving; health reports SERVING from here on, until the node stops or its
     * storage fails (then NOT_SERVING, with the reason in Stats).
     */
    public NodeServer start() throws IOException {
        server.start();
        if (self.port() == 0 && server.getPort() > 0) {
            address = self.advertise() + ":" + server.getPort();
        }
        health.serving();
        log.info("node {} ({}) serving on {}", self.name(), self.role().wireName(), address);
        return this;
    }

    /** The port bound, useful when the config asked for port 0; -1 for non-network transports. */
    public int port() {
        return server.getPort();
    }

    /** What the node's Exchange streams hold for readers that have not taken it, in bytes. */
    long exchangeHeldBytes() {
        return documents.exchangeHeldBytes();
    }

    /** {@code host:port} as clients should dial it. */
    public String address() {
        return address;
    }

    /**
     * Stops gracefully: health turns NOT_SERVING, new calls are refused, calls in flight get up to
     * {@code drain} to finish, then the rest are cancelled. Exchange streams answer the calls they
     * have taken, refuse new ones and end, so that they do not hold the drain up.
     */
    public void shutdown(Duration drain) {
        health.stopping();
        server.shutdown();
        documents.stopExchanges();
        try {
            if (!server.awaitTermination(drain.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("calls still running after {} ms; cancelling them", drain.toMillis());
                server.shutdownNow();
                server.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        } finally {
            blocking.shutdownNow();
            control.shutdownNow();
            timer.shutdownNow();
        }
    }
}
