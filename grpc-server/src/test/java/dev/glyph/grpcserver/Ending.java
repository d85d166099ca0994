package dev.glyph.grpcserver;

import io.grpc.Status;
import java.util.concurrent.CompletableFuture;

/**
 * A client observer that records the call's first response and final status, and keeps the
 * request side so that a test can cancel the call.
 */
final class Ending<Q, R> extends CallObserver<Q, R> {

    final CompletableFuture<R> first = new CompletableFuture<>();
    final CompletableFuture<Status> end = new CompletableFuture<>();

    /** Cancels the call from the client side. */
    void cancel() {
        call.cancel("client gave up", null);
    }

    @Override
    void response(R value) {
        first.complete(value);
    }

    @Override
    void ended(Status status) {
        end.complete(status);
    }
}
