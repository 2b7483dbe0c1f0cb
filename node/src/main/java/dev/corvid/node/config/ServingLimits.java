package dev.corvid.node.config;

/**
 * How much of a node one client may hold: threads, queued calls, and bytes of answers kept for a
 * reader that does not take them. Each limit is named here once; the cluster config's optional
 * {@code "serving"} object sets any of them by these names.
 *
 * @param rpcThreads               threads for the calls that may scan or touch the disk: queries,
 *                                 gets of more than {@code maxDirectGetIds} ids, id reservations,
 *                                 Digest pages (default: the number of processors, at least 2)
 * @param rpcQueueCalls            calls waiting for one of those threads, and, separately, Stats and
 *                                 Topology calls waiting for their own thread; a call beyond it fails
 *                                 UNAVAILABLE at once (default 256 calls)
 * @param maxDigestStreams         Digest streams a node serves at once; more fail RESOURCE_EXHAUSTED
 *                                 (default 4 streams)
 * @param readerStallMillis        a Digest or Exchange stream whose reader takes nothing for this long
 *                                 while answers wait for it is reset, and what it held is dropped
 *                                 (default 30,000 ms)
 * @param maxExchangeCalls         calls of one Exchange stream running at once; more fail
 *                                 RESOURCE_EXHAUSTED (default 1,024 calls)
 * @param maxExchangeAnswerBytes   largest answer to one call of an Exchange stream; a larger one fails
 *                                 its call RESOURCE_EXHAUSTED (default 16 MiB)
 * @param exchangeStreamHeldBytes  answers of one Exchange stream the transport has not taken yet; at
 *                                 this many the node reads no more calls of the stream until they
 *                                 drain (default 16 MiB)
 * @param exchangeNodeHeldBytes    the same, all Exchange streams of the node together; a stream whose
 *                                 answer would go over it while its reader takes nothing is reset
 *                                 (default 128 MiB: these answers are on the heap)
 * @param maxAnswerBytes           largest answer to a unary Get or Query; a larger one fails
 *                                 RESOURCE_EXHAUSTED instead of being sent (default 64 MiB, what the
 *                                 client accepts)
 * @param maxCallsPerConnection    calls (HTTP/2 streams) open at once on one client connection; a
 *                                 client waits for one to end before opening more (default 1,000)
 * @param replicationWindowBatches batches the master sends a replica ahead of its acks; a replica
 *                                 reads up to twice this many ahead of what it applied (default 64)
 * @param replicationWindowBytes   the same in bytes of document JSON (default 8 MiB)
 * @param maxDirectGetIds          a Get of at most this many ids is answered on the transport's
 *                                 thread, a larger one on the {@code rpcThreads} pool; a client that
 *                                 merges Gets keeps each merged Get at or under it, and learns it
 *                                 from the node's Topology answer (default 16 ids)
 * @param maxExchangeRequestBytes  largest call (its Get, Batch or BatchMany message) one Exchange
 *                                 stream carries; a larger one fails RESOURCE_EXHAUSTED and is sent
 *                                 as a unary call instead, so a large request never holds up the
 *                                 calls behind it on the stream. A client learns it from Topology.
 *                                 Counts as {@code limits.maxRequestBytes} where that is smaller
 *                                 ({@link NodeSettings#maxExchangeRequestBytes()}) (default 4 MiB)
 */
public record ServingLimits(int rpcThreads, int rpcQueueCalls, int maxDigestStreams, long readerStallMillis,
                            int maxExchangeCalls, int maxExchangeAnswerBytes, long exchangeStreamHeldBytes,
                            long exchangeNodeHeldBytes, int maxAnswerBytes, int maxCallsPerConnection,
                            int replicationWindowBatches, long replicationWindowBytes, int maxDirectGetIds,
                            int maxExchangeRequestBytes) {

    private static final int MIB = 1024 * 1024;

    public static final ServingLimits DEFAULT = new ServingLimits(
            Math.max(2, Runtime.getRuntime().availableProcessors()), 256, 4, 30_000,
            1_024, 16 * MIB, 16 * MIB,
            128L * MIB, 64 * MIB, 1_000,
            64, 8L * MIB, 16,
            4 * MIB);

    public ServingLimits {
        atLeast("rpcThreads", rpcThreads, 1);
        atLeast("rpcQueueCalls", rpcQueueCalls, 1);
        atLeast("maxDigestStreams", maxDigestStreams, 1);
        atLeast("readerStallMillis", readerStallMillis, 100);
        atLeast("maxExchangeCalls", maxExchangeCalls, 1);
        atLeast("maxExchangeAnswerBytes", maxExchangeAnswerBytes, 1024);
        atLeast("exchangeStreamHeldBytes", exchangeStreamHeldBytes, 1024);
        atLeast("maxAnswerBytes", maxAnswerBytes, 1024);
        atLeast("maxCallsPerConnection", maxCallsPerConnection, 1);
        atLeast("replicationWindowBatches", replicationWindowBatches, 1);
        atLeast("replicationWindowBytes", replicationWindowBytes, 1024);
        atLeast("maxDirectGetIds", maxDirectGetIds, 1);
        atLeast("maxExchangeRequestBytes", maxExchangeRequestBytes, 1024);
        // A stream must be able to hold one answer of each size it may get without being reset.
        Require.that(exchangeNodeHeldBytes >= exchangeStreamHeldBytes + maxExchangeAnswerBytes,
                "serving.exchangeNodeHeldBytes (" + exchangeNodeHeldBytes + ") must be at least serving.exchangeStreamHeldBytes + "
                        + "serving.maxExchangeAnswerBytes (" + (exchangeStreamHeldBytes + maxExchangeAnswerBytes) + ")");
    }

    private static void atLeast(String name, long value, long min) {
        Require.atLeast("serving." + name, value, min);
    }
}
