package dev.corvid.client.examples;

import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResult;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.StatsRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The demo's view of the nodes themselves, beside the client: each node's stats (reads served, so
 * routing is visible) and whether a replica has applied a given master version. Raw gRPC calls,
 * no failover, so what a node says is that node's own answer.
 */
final class DemoNodes implements AutoCloseable {

    private final Map<String, String> addresses;
    private final Map<String, ManagedChannel> channels = new LinkedHashMap<>();

    /** @param addresses node name to host:port, master first */
    DemoNodes(Map<String, String> addresses) {
        this.addresses = addresses;
        addresses.forEach((name, address) ->
                channels.put(name, NettyChannelBuilder.forTarget(address).usePlaintext().build()));
    }

    String master() {
        return addresses.keySet().iterator().next();
    }

    String[] urls() {
        return addresses.values().toArray(String[]::new);
    }

    /** Reads served so far per node; -1 for a node that does not answer. */
    Map<String, Long> reads() {
        Map<String, Long> reads = new LinkedHashMap<>();
        channels.forEach((name, channel) -> {
            try {
                NodeStats stats = DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
                        .stats(StatsRequest.getDefaultInstance());
                reads.put(name, stats.getReadsServed());
            } catch (StatusRuntimeException e) {
                reads.put(name, -1L);
            }
        });
        return reads;
    }

    /** "A 2, B 2, C 2": reads each node served between two {@link #reads()}; "down" for a silent node. */
    static String readsBetween(Map<String, Long> before, Map<String, Long> after) {
        StringBuilder out = new StringBuilder();
        before.forEach((name, b) -> {
            long a = after.get(name);
            out.append(out.length() == 0 ? "" : ", ").append(name).append(' ')
                    .append(a < 0 || b < 0 ? "down" : Long.toString(a - b));
        });
        return out.toString();
    }

    /**
     * Waits (up to 10 s) until every replica that answers holds {@code id} at the master's version
     * {@code masterEtag} (a replica keeps it in {@code @source-etag}).
     *
     * @return true when they all do
     */
    boolean awaitReplicated(String id, String masterEtag) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Map.Entry<String, ManagedChannel> node : channels.entrySet()) {
            if (node.getKey().equals(master())) {
                continue;
            }
            while (!hasVersion(node.getValue(), id, masterEtag)) {
                if (System.nanoTime() > deadline) {
                    return false;
                }
                TimeUnit.MILLISECONDS.sleep(20);
            }
        }
        return true;
    }

    private static boolean hasVersion(ManagedChannel channel, String id, String masterEtag) {
        try {
            GetResult r = DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(2, TimeUnit.SECONDS)
                    .get(GetRequest.newBuilder().addIds(id).build()).getResults(0);
            return r.getFound() && r.getDocument().getMetadataJson().toStringUtf8().contains("\"@source-etag\":\"" + masterEtag + "\"");
        } catch (StatusRuntimeException e) {
            return true; // a node that is down is not waited for
        }
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
    }
}
