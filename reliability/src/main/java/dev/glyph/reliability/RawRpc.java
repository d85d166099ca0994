package dev.glyph.reliability;

import dev.glyph.testfixtures.RawBytes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Calls any RPC with raw message bytes over a real {@link ManagedChannel}, so that bytes protobuf
 * cannot parse reach the server exactly as sent.
 *
 * <pre>{@code
 * ManagedChannel ch = RawRpc.channel(server.target());
 * RawRpc.Outcome o = RawRpc.unary(ch, RawRpc.CLASSIFY, new byte[] {0x0a, 0x05, 0x0a}, CallOptions.DEFAULT);
 * }</pre>
 *
 * <p>Thread-safety: stateless; channels are thread-safe.
 */
public final class RawRpc {

    /** Passes bytes through unchanged. */
    public static final MethodDescriptor.Marshaller<byte[]> BYTES = RawBytes.MARSHALLER;

    /** {@code glyph.v1.Classifier/Classify}. */
    public static final MethodDescriptor<byte[], byte[]> CLASSIFY = method("glyph.v1.Classifier/Classify",
            MethodDescriptor.MethodType.UNARY);
    /** {@code glyph.v1.Classifier/ClassifyStream}. */
    public static final MethodDescriptor<byte[], byte[]> CLASSIFY_STREAM = method("glyph.v1.Classifier/ClassifyStream",
            MethodDescriptor.MethodType.BIDI_STREAMING);
    /** {@code glyph.v1.Classifier/GetModelInfo}. */
    public static final MethodDescriptor<byte[], byte[]> MODEL_INFO = method("glyph.v1.Classifier/GetModelInfo",
            MethodDescriptor.MethodType.UNARY);
    /** {@code grpc.health.v1.Health/Check}. */
    public static final MethodDescriptor<byte[], byte[]> HEALTH = method("grpc.health.v1.Health/Check",
            MethodDescriptor.MethodType.UNARY);

    /** {@code inference.GRPCInferenceService/ModelInfer} (Open Inference Protocol). */
    public static final MethodDescriptor<byte[], byte[]> MODEL_INFER = method("inference.GRPCInferenceService/ModelInfer",
            MethodDescriptor.MethodType.UNARY);
    /** {@code inference.GRPCInferenceService/ModelMetadata}. */
    public static final MethodDescriptor<byte[], byte[]> MODEL_METADATA = method(
            "inference.GRPCInferenceService/ModelMetadata", MethodDescriptor.MethodType.UNARY);
    /** {@code inference.GRPCInferenceService/ModelReady}. */
    public static final MethodDescriptor<byte[], byte[]> MODEL_READY = method("inference.GRPCInferenceService/ModelReady",
            MethodDescriptor.MethodType.UNARY);
    /** {@code inference.GRPCInferenceService/RepositoryIndex}. */
    public static final MethodDescriptor<byte[], byte[]> REPOSITORY_INDEX = method(
            "inference.GRPCInferenceService/RepositoryIndex", MethodDescriptor.MethodType.UNARY);

    private RawRpc() {
    }

    private static MethodDescriptor<byte[], byte[]> method(String name, MethodDescriptor.MethodType type) {
        return RawBytes.method(name, type);
    }

    /** A plaintext channel to {@code target} that accepts responses up to 64 MiB. */
    public static ManagedChannel channel(String target) {
        return NettyChannelBuilder.forTarget(target).usePlaintext().maxInboundMessageSize(64 << 20).build();
    }

    /**
     * How a call ended.
     *
     * @param code the final status code
     * @param description the status description (may be null)
     * @param responses the response messages received
     */
    public record Outcome(Status.Code code, String description, List<byte[]> responses) {
        /** The first response, or null. */
        public byte[] first() {
            return responses.isEmpty() ? null : responses.get(0);
        }

        @Override
        public String toString() {
            return code + (description == null ? "" : ": " + description);
        }
    }

    /** One unary call; never throws for a status. */
    public static Outcome unary(Channel ch, MethodDescriptor<byte[], byte[]> m, byte[] request, CallOptions options) {
        try {
            byte[] r = ClientCalls.blockingUnaryCall(ch, m, options, request);
            return new Outcome(Status.Code.OK, null, List.of(r));
        } catch (StatusRuntimeException e) {
            return new Outcome(e.getStatus().getCode(), e.getStatus().getDescription(), List.of());
        }
    }

    /**
     * One call that sends {@code requests} (any number, also zero or several on a unary method),
     * then half-closes, and collects what comes back.
     *
     * @param timeoutMillis the call's deadline
     */
    public static Outcome messages(Channel ch, MethodDescriptor<byte[], byte[]> m, List<byte[]> requests,
            CallOptions options, long timeoutMillis) {
        CompletableFuture<Outcome> done = new CompletableFuture<>();
        List<byte[]> got = new ArrayList<>();
        ClientCall<byte[], byte[]> call = ch.newCall(m, options.withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS));
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(byte[] message) {
                synchronized (got) {
                    got.add(message);
                }
                call.request(1);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                synchronized (got) {
                    done.complete(new Outcome(status.getCode(), status.getDescription(), List.copyOf(got)));
                }
            }
        }, new Metadata());
        call.request(1);
        for (byte[] r : requests) {
            call.sendMessage(r);
        }
        call.halfClose();
        try {
            return done.get(timeoutMillis + 30_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.cancel("interrupted", e);
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            call.cancel("no close", e);
            throw new IllegalStateException(m.getFullMethodName() + " did not close within its deadline + 30 s", e);
        }
    }
}
