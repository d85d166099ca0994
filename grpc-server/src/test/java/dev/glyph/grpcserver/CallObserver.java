package dev.glyph.grpcserver;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;

/**
 * A client observer that keeps the call's request side and hands each response to {@link #response} and the
 * call's end to {@link #ended}: the error's status, or {@link Status#OK} on completion. Subclasses decide what to
 * record.
 */
abstract class CallObserver<Q, R> implements ClientResponseObserver<Q, R> {

    volatile ClientCallStreamObserver<Q> call;

    @Override
    public void beforeStart(ClientCallStreamObserver<Q> requestStream) {
        call = requestStream;
    }

    abstract void response(R value);

    abstract void ended(Status status);

    @Override
    public final void onNext(R value) {
        response(value);
    }

    @Override
    public final void onError(Throwable t) {
        ended(Status.fromThrowable(t));
    }

    @Override
    public final void onCompleted() {
        ended(Status.OK);
    }
}
