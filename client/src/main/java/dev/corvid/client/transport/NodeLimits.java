package dev.corvid.client.transport;

import dev.corvid.proto.WireLimits;

/**
 * The node's limits the client sizes its calls by, read from {@code ClusterTopology.limits}
 * ({@link WireLimits}); every field a node leaves 0 (it does not say) is the client's default from
 * {@link #DEFAULTS}. Immutable.
 *
 * @param maxExchangeRequestBytes largest request a call of the Exchange stream may carry; a larger one
 *                                goes as a unary RPC of its own, since it would end the stream and
 *                                every other caller's call on it
 * @param maxDirectGetIds         most ids in one Get that the node answers on its transport thread; a
 *                                merged Get holds at most this many ids
 * @param maxAnswerBytes          largest answer of a unary call the client accepts
 * @param maxExchangeAnswerBytes  largest answer of one Exchange call the client accepts
 */
record NodeLimits(int maxExchangeRequestBytes, int maxDirectGetIds, int maxAnswerBytes, int maxExchangeAnswerBytes) {

    private static final int MIB = 1024 * 1024;

    /** What the client assumes until a node tells its own limits: the node's defaults. */
    static final NodeLimits DEFAULTS = new NodeLimits(4 * MIB, 16, 64 * MIB, 16 * MIB);

    NodeLimits {
        if (maxExchangeRequestBytes < 1 || maxDirectGetIds < 1 || maxAnswerBytes < 1 || maxExchangeAnswerBytes < 1) {
            throw new IllegalArgumentException("every limit must be positive: " + maxExchangeRequestBytes + ", "
                    + maxDirectGetIds + ", " + maxAnswerBytes + ", " + maxExchangeAnswerBytes);
        }
    }

    /** The limits a node sent, with {@link #DEFAULTS} for what it left 0. */
    static NodeLimits of(WireLimits wire) {
        return new NodeLimits(
                or(wire.getMaxExchangeRequestBytes(), DEFAULTS.maxExchangeRequestBytes),
                or(wire.getMaxDirectGetIds(), DEFAULTS.maxDirectGetIds),
                or(wire.getMaxAnswerBytes(), DEFAULTS.maxAnswerBytes),
                or(wire.getMaxExchangeAnswerBytes(), DEFAULTS.maxExchangeAnswerBytes));
    }

    /** {@code told}, as an int (a message size gRPC takes), or {@code otherwise} when the node did not say. */
    private static int or(long told, int otherwise) {
        return told <= 0 ? otherwise : (int) Math.min(Integer.MAX_VALUE, told);
    }
}
