package dev.corvid.node;

import dev.corvid.node.config.ClusterConfig;
import dev.corvid.node.config.Limits;
import dev.corvid.node.config.NodeConfig;
import dev.corvid.node.rpc.NodeServer;
import dev.corvid.node.storage.MapDbStorage;
import dev.corvid.node.storage.Storage;
import dev.corvid.node.storage.StorageOptions;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running node: its storage and its gRPC server, started together and stopped in order
 * (stop taking calls, drain, close storage).
 */
public final class CorvidNode implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CorvidNode.class);
    /** How long calls in flight get to finish on a graceful stop. */
    public static final Duration DRAIN = Duration.ofSeconds(10);

    private final NodeConfig self;
    private final Storage storage;
    private final NodeServer server;
    private final AtomicBoolean closed = new AtomicBoolean();

    private CorvidNode(NodeConfig self, Storage storage, NodeServer server) {
        this.self = self;
        this.storage = storage;
        this.server = server;
    }

    /** Opens the node's storage and starts serving on the host and port its config names. */
    public static CorvidNode start(ClusterConfig cluster, String nodeName) {
        NodeConfig self = cluster.node(nodeName);
        Storage storage = MapDbStorage.open(new StorageOptions(self.dataDirectory(), cluster.limits().maxDocumentBytes()));
        try {
            NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(self.host(), self.port()));
            NodeServer server = new NodeServer(builder, storage, cluster, self).start();
            return new CorvidNode(self, storage, server);
        } catch (IOException | RuntimeException e) {
            storage.close();
            if (e instanceof IOException io) {
                throw new UncheckedIOException("node " + nodeName + " cannot listen on " + self.address() + ": " + io, io);
            }
            throw (RuntimeException) e;
        }
    }

    /** A master with no replicas on 127.0.0.1 and a port chosen by the OS: for tests and embedding. */
    public static CorvidNode standalone(Path dataDirectory) {
        return start(ClusterConfig.standalone("127.0.0.1", 0, dataDirectory, Limits.DEFAULT), "standalone");
    }

    public String name() {
        return self.name();
    }

    /** {@code host:port} as clients dial it. */
    public String address() {
        return server.address();
    }

    public int port() {
        return server.port();
    }

    /** Graceful stop: refuse new calls, let calls in flight finish, then close storage. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        log.info("node {} stopping", self.name());
        server.shutdown(DRAIN);
        storage.close();
        log.info("node {} stopped", self.name());
    }
}
