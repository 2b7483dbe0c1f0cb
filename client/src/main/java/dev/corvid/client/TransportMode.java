package dev.corvid.client;

import dev.corvid.client.transport.ChannelFactory;
import dev.corvid.client.transport.Connections;
import java.util.Locale;

/**
 * How a store's calls travel to the nodes ({@link Conventions#setTransportMode}). The results are
 * the same either way (answers, errors, deadlines, failover); only the cost differs.
 */
public enum TransportMode {

    /**
     * The default: gets and writes to a node travel as calls of one long-lived gRPC stream
     * ({@code Exchange}), and concurrent ones are folded into shared calls when the node is busy,
     * which costs far less CPU per call than an HTTP/2 stream each. Queries, id reservations and
     * health probes are unary calls.
     */
    EXCHANGE,

    /** Every call is a unary gRPC call of its own: the plain path, for comparison. */
    UNARY;

    /**
     * The system property that sets the default mode of new stores, for a run without code changes
     * (a benchmark): {@code -Dcorvid.client.transport=unary} or {@code =exchange}.
     */
    public static final String PROPERTY = "corvid.client.transport";

    /**
     * The mode named by the system property {@value #PROPERTY}, or {@link #EXCHANGE} when it is not set.
     *
     * @throws IllegalArgumentException when the property names no mode
     */
    static TransportMode fromSystemProperty() {
        String value = System.getProperty(PROPERTY);
        if (value == null || value.isBlank()) {
            return EXCHANGE;
        }
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("system property " + PROPERTY + " is '" + value
                    + "': expected exchange or unary", e);
        }
    }

    /** The connections of a store in this mode. */
    Connections connect(ChannelFactory channels) {
        return this == EXCHANGE ? Connections.exchange(channels) : Connections.unary(channels);
    }
}
