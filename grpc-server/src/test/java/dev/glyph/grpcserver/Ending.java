package dev.glyph.grpcserver;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.CompletableFuture;

/**
 * A client observer that records the call's first response and final status, and keeps the
 * request side so that a test can cancel the call.
 */
final class Ending<Q, R> implements ClientResponseObserver<Q, R> {

    final CompletableFuture<R> first = new CompletableFuture<>();
    final CompletableFuture<Status> end = new CompletableFuture<>();
    private volatile ClientCallStreamObserver<Q> call;

    @Override
    public void beforeStart(ClientCallStreamObserver<Q> requestStream) {
        call = requestStream;
    }

    /** Cancels the call from the client side. */
    void cancel() {
        call.cancel("client gave up", null);
    }

    @Override
    public void onNext(R value) {
        first.complete(value);
    }

    @Override
    public void onError(Throwable t) {
        end.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
        end.complete(Status.OK);
    }
}
