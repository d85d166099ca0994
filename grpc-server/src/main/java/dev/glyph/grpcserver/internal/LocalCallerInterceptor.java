package dev.glyph.grpcserver.internal;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.inprocess.InProcessSocketAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Records in the call's {@link Context} whether the caller is on this host: a loopback TCP address
 * ({@code 127.0.0.0/8}, {@code ::1}) or the in-process transport. Anything else, including an unknown remote
 * address, is not local. Read with {@link #isLocal()} inside the handler. Only the repository load and unload calls
 * ({@code RepositoryModel*}) are intercepted; every other call passes through untouched.
 *
 * <pre>{@code
 * ServerInterceptors.intercept(service.bindService(), new LocalCallerInterceptor());
 * boolean local = LocalCallerInterceptor.isLocal();   // in the handler
 * }</pre>
 *
 * <p>Thread-safety: stateless.
 */
public final class LocalCallerInterceptor implements ServerInterceptor {

    private static final Context.Key<Boolean> LOCAL = Context.key("glyph-local-caller");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getBareMethodName();
        if (method == null || !method.startsWith("RepositoryModel")) {
            return next.startCall(call, headers); // only load/unload ask; the hot path stays free of a context
        }
        boolean local = isLocal(call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
        return Contexts.interceptCall(Context.current().withValue(LOCAL, local), call, headers, next);
    }

    /** Returns whether the current call's caller is local; false outside an intercepted call. */
    public static boolean isLocal() {
        return Boolean.TRUE.equals(LOCAL.get());
    }

    /** Returns whether {@code remote} is on this host (loopback or in-process). */
    static boolean isLocal(SocketAddress remote) {
        if (remote instanceof InProcessSocketAddress) {
            return true;
        }
        return remote instanceof InetSocketAddress a && a.getAddress() != null && a.getAddress().isLoopbackAddress();
    }
}
