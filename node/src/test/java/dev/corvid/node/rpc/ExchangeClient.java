package dev.corvid.node.rpc;

import dev.corvid.proto.DocumentsGrpc;
import dev.corvid.proto.ExchangeRequest;
import dev.corvid.proto.ExchangeResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/** One client's Exchange stream: where to send calls, the answers so far, and how the stream ended. */
record ExchangeClient(StreamObserver<ExchangeRequest> calls, LinkedBlockingQueue<ExchangeResponse> answers,
                      CompletableFuture<Status> ended) {

    /** Opens a stream on {@code to}; its answers collect in {@link #answers}, its end completes {@link #ended}. */
    static ExchangeClient open(ManagedChannel to) {
        LinkedBlockingQueue<ExchangeResponse> answers = new LinkedBlockingQueue<>();
        CompletableFuture<Status> ended = new CompletableFuture<>();
        StreamObserver<ExchangeRequest> calls = DocumentsGrpc.newStub(to).exchange(new StreamObserver<>() {
            @Override
            public void onNext(ExchangeResponse value) {
                answers.add(value);
            }

            @Override
            public void onError(Throwable t) {
                ended.complete(Status.fromThrowable(t));
            }

            @Override
            public void onCompleted() {
                ended.complete(Status.OK);
            }
        });
        return new ExchangeClient(calls, answers, ended);
    }
}
