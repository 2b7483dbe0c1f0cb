package dev.corvid.probe;

import com.google.protobuf.ByteString;
import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.GetRequest;
import dev.corvid.proto.GetResponse;
import dev.corvid.proto.GetResult;
import dev.corvid.proto.NodeStats;
import dev.corvid.proto.StatsRequest;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/** A Documents server on a loopback port that answers Stats and Get as a test scripts it. */
final class FakeNode implements AutoCloseable {

    /** The replica's "last applied master etag" for the n-th Stats call (from 0). */
    volatile IntFunction<ByteString> lastApplied = n -> ByteString.EMPTY;
    final AtomicInteger statsCalls = new AtomicInteger();
    final AtomicInteger getCalls = new AtomicInteger();
    private final Server server;

    FakeNode() {
        try {
            server = NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                    .addService(new DocumentsGrpc.DocumentsImplBase() {
                        @Override
                        public void stats(StatsRequest request, StreamObserver<NodeStats> out) {
                            out.onNext(NodeStats.newBuilder()
                                    .setLastAppliedMasterEtag(lastApplied.apply(statsCalls.getAndIncrement())).build());
                            out.onCompleted();
                        }

                        @Override
                        public void get(GetRequest request, StreamObserver<GetResponse> out) {
                            getCalls.incrementAndGet();
                            GetResponse.Builder answer = GetResponse.newBuilder();
                            request.getIdsList().forEach(id -> answer.addResults(GetResult.getDefaultInstance()));
                            out.onNext(answer.build());
                            out.onCompleted();
                        }
                    })
                    .build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String address() {
        return "127.0.0.1:" + server.getPort();
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
