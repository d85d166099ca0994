package dev.glyph.testfixtures;

import io.grpc.MethodDescriptor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * gRPC methods whose messages are raw bytes, for sending what a generated stub never would: mutated,
 * truncated or empty messages, several messages on a unary call.
 *
 * <pre>{@code
 * MethodDescriptor<byte[], byte[]> m = RawBytes.of(ClassifierGrpc.getClassifyMethod());
 * byte[] reply = ClientCalls.blockingUnaryCall(channel, m, CallOptions.DEFAULT, new byte[] {0x0a, 0x05});
 * }</pre>
 *
 * <p>Thread-safety: stateless.
 */
public final class RawBytes {

    /** Passes bytes through unchanged, both ways. */
    public static final MethodDescriptor.Marshaller<byte[]> MARSHALLER = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    private RawBytes() {
    }

    /** The method {@code fullName} (e.g. {@code glyph.v1.Classifier/Classify}) of {@code type}, on raw bytes. */
    public static MethodDescriptor<byte[], byte[]> method(String fullName, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<byte[], byte[]>newBuilder(MARSHALLER, MARSHALLER).setFullMethodName(fullName)
                .setType(type).build();
    }

    /** The same method as {@code real}, on raw bytes. */
    public static MethodDescriptor<byte[], byte[]> of(MethodDescriptor<?, ?> real) {
        return method(real.getFullMethodName(), real.getType());
    }
}
