package dev.corvid.client.transport;

import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import java.time.Duration;

/** Makes the channel to one node address; injected so tests can use in-process transports. */
@FunctionalInterface
public interface ChannelFactory {

    ManagedChannel create(String address);

    /** Plain-text Netty channels: {@link #netty(Duration, ChannelCredentials)} without TLS. */
    static ChannelFactory netty(Duration connectTimeout) {
        return netty(connectTimeout, InsecureChannelCredentials.create());
    }

    /**
     * Netty channels with {@code credentials} (plaintext, or TLS with a client certificate). Each
     * call sets the largest answer it accepts from the node's limits ({@link KnownLimits}); a call
     * that does not accepts {@link NodeLimits#DEFAULTS}.
     *
     * @param connectTimeout how long a TCP connect may take before the node counts as down
     */
    static ChannelFactory netty(Duration connectTimeout, ChannelCredentials credentials) {
        int connectMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        return address -> NettyChannelBuilder.forTarget(address, credentials)
                .maxInboundMessageSize(NodeLimits.DEFAULTS.maxAnswerBytes())
                .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMillis)
                .build();
    }
}
