package dev.corvid.client.transport;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import java.time.Duration;

/** Makes the channel to one node address; injected so tests can use in-process transports. */
@FunctionalInterface
public interface ChannelFactory {

    ManagedChannel create(String address);

    /**
     * Plain-text Netty channels. Each call sets the largest answer it accepts from the node's
     * limits ({@link KnownLimits}); a call that does not accepts {@link NodeLimits#DEFAULTS}.
     *
     * @param connectTimeout how long a TCP connect may take before the node counts as down
     */
    static ChannelFactory netty(Duration connectTimeout) {
        int connectMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        return address -> NettyChannelBuilder.forTarget(address).usePlaintext()
                .maxInboundMessageSize(NodeLimits.DEFAULTS.maxAnswerBytes())
                .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMillis)
                .build();
    }
}
