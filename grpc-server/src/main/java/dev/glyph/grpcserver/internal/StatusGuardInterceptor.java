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
 * Makes sure no call ends with UNKNOWN: a RuntimeException or Error thrown by a handler (or an
 * inner interceptor) is caught and the call is closed with the status {@link StatusMapper} gives
 * it (INTERNAL for anything unexpected, logged; a VirtualMachineError is rethrown after the call
 * is closed), and an UNKNOWN status passed to {@code close} (for
 * example from {@code StreamObserver.onError} with a plain exception) becomes INTERNAL.
 *
 * <p>Thread-safety: stateless; per-call state is thread-safe.
 */
public final class StatusGuardInterceptor implements ServerInterceptor {

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        GuardedCall<Q, R> guarded = new GuardedCall<>(call);
        ServerCall.Listener<Q> delegate;
        try {
            delegate = next.startCall(guarded, headers);
        } catch (RuntimeException | Error e) {
            guarded.fail(e);
            rethrowIfFatal(e);
            return new ServerCall.Listener<>() {
            };
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
            @Override
            public void onMessage(Q message) {
                guarded.run(() -> super.onMessage(message), true);
            }

            @Override
            public void onHalfClose() {
                guarded.run(super::onHalfClose, true);
            }

            @Override
            public void onReady() {
                guarded.run(super::onReady, true);
            }

            @Override
            public void onCancel() {
                guarded.run(super::onCancel, false); // the call is already over: only logged
            }

            @Override
            public void onComplete() {
                guarded.run(super::onComplete, false);
            }
        };
    }

    /** A VirtualMachineError (out of memory, ...) goes on up after the call was closed with INTERNAL. */
    private static void rethrowIfFatal(Throwable e) {
        if (e instanceof VirtualMachineError vme) {
            throw vme;
        }
    }

    private static final class GuardedCall<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private final AtomicBoolean closed = new AtomicBoolean();

        GuardedCall(ServerCall<Q, R> delegate) {
            super(delegate);
        }

        @Override
        public void close(Status status, Metadata trailers) {
            if (closed.compareAndSet(false, true)) {
                super.close(StatusMapper.sanitize(status), trailers);
            }
        }

        /**
         * Runs a listener callback; what it throws closes the call (when {@code close}) or is
         * only logged, and a VirtualMachineError goes on up afterwards.
         */
        void run(Runnable callback, boolean close) {
            try {
                callback.run();
            } catch (RuntimeException | Error e) {
                if (close) {
                    fail(e);
                } else {
                    StatusMapper.toStatus(e);
                }
                rethrowIfFatal(e);
            }
        }

        void fail(Throwable e) {
            Status s = StatusMapper.toStatus(e);
            if (closed.compareAndSet(false, true)) {
                try {
                    super.close(s, new Metadata());
                } catch (RuntimeException ignored) {
                    // the transport already ended the call
                }
            }
        }
    }
}
