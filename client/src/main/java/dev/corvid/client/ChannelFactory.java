package dev.corvid.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import java.time.Duration;

/** Makes the channel to one node address; injected so tests can use in-process transports. */
@FunctionalInterface
interface ChannelFactory {

    ManagedChannel create(String address);

    /**
     * Plain-text Netty channels that accept answers up to {@link RequestExecutor#MAX_MESSAGE_BYTES}.
     *
     * @param connectTimeout how long a TCP connect may take before the node counts as down
     */
    static ChannelFactory netty(Duration connectTimeout) {
        int connectMillis = (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis());
        return address -> NettyChannelBuilder.forTarget(address).usePlaintext()
                // a batch of documents of up to 4 MiB each comes back whole from Get
                .maxInboundMessageSize(RequestExecutor.MAX_MESSAGE_BYTES)
                .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMillis)
                .build();
    }
}
