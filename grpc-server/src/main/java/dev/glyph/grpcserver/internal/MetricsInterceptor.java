package dev.glyph.grpcserver.internal;

import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Counts every call by full method name and final status code, and observes its server-side
 * latency. A call that ends without the server closing it (client cancelled, deadline, transport
 * error such as an oversize message) is counted as CANCELLED.
 *
 * <p>Thread-safety: thread-safe.
 */
public final class MetricsInterceptor implements ServerInterceptor {

    private final ServerMetrics metrics;

    /** Reports to {@code metrics}. */
    public MetricsInterceptor(ServerMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        long start = System.nanoTime();
        String method = call.getMethodDescriptor().getFullMethodName();
        AtomicBoolean counted = new AtomicBoolean();
        ServerCall<Q, R> counting = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                if (counted.compareAndSet(false, true)) {
                    metrics.recordCall(method, status.getCode(), System.nanoTime() - start);
                }
                super.close(status, trailers);
            }
        };
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(counting, headers)) {
            @Override
            public void onCancel() {
                if (counted.compareAndSet(false, true)) {
                    metrics.recordCall(method, Status.Code.CANCELLED, System.nanoTime() - start);
                }
                super.onCancel();
            }
        };
    }
}
