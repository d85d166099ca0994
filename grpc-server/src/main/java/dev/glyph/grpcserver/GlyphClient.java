package dev.glyph.grpcserver;

import com.google.protobuf.ByteString;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.proto.v1.ClassifierGrpc;
import dev.glyph.proto.v1.ClassifyRequest;
import dev.glyph.proto.v1.ClassifyResponse;
import dev.glyph.proto.v1.GetModelInfoRequest;
import dev.glyph.proto.v1.Image;
import dev.glyph.proto.v1.ModelInfo;
import dev.glyph.proto.v1.Pixels;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A client of a Glyph gRPC server ({@code glyph.v1.Classifier}), wrapping one plaintext channel.
 *
 * <pre>{@code
 * try (GlyphClient client = GlyphClient.connect("localhost:50051")) {
 *     ClassifyResponse r = client.classify(List.of(GlyphClient.gray8(bytes784)), false);
 *     int digit = r.getPredictions(0).getLabel();
 *     System.out.println(client.modelInfo().getName() + " " + client.health());
 * }
 * }</pre>
 *
 * <p>Calls throw {@link io.grpc.StatusRuntimeException} with the server's status code
 * (INVALID_ARGUMENT, RESOURCE_EXHAUSTED, DEADLINE_EXCEEDED, UNAVAILABLE, INTERNAL) on failure.
 *
 * <p>Thread-safety: thread-safe; one client may serve any number of threads. {@link #close()}
 * is idempotent.
 */
public final class GlyphClient implements AutoCloseable {

    private final ManagedChannel channel;
    private final boolean owned;
    private final Duration timeout;

    private GlyphClient(ManagedChannel channel, boolean owned, Duration timeout) {
        this.channel = channel;
        this.owned = owned;
        this.timeout = timeout;
    }

    /**
     * Connects (lazily) to {@code hostPort} in plaintext with a 30 s per-call deadline and a
     * 64 MiB inbound limit.
     *
     * @throws IllegalArgumentException if {@code hostPort} is not {@code host:port}
     */
    public static GlyphClient connect(String hostPort) {
        return connect(hostPort, Duration.ofSeconds(30));
    }

    /**
     * Connects (lazily) to {@code hostPort} in plaintext; every call gets {@code callTimeout} as
     * its deadline.
     *
     * @throws IllegalArgumentException if {@code hostPort} is not {@code host:port}
     */
    public static GlyphClient connect(String hostPort, Duration callTimeout) {
        HostPort hp = HostPort.parse(hostPort);
        ManagedChannel ch = NettyChannelBuilder.forAddress(hp.host(), hp.port())
                .usePlaintext()
                .maxInboundMessageSize(64 * 1024 * 1024)
                .build();
        return new GlyphClient(ch, true, checkTimeout(callTimeout));
    }

    /**
     * Wraps an existing channel (for example an in-process one); {@link #close()} shuts it down
     * only if {@code closeChannel}.
     */
    public static GlyphClient of(ManagedChannel channel, Duration callTimeout, boolean closeChannel) {
        if (channel == null) {
            throw new IllegalArgumentException("channel is null");
        }
        return new GlyphClient(channel, closeChannel, checkTimeout(callTimeout));
    }

    private static Duration checkTimeout(Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("call timeout is " + d + "; expected a positive duration");
        }
        return d;
    }

    /** Returns an image message holding 784 gray8 bytes (0 = background); the array is copied. */
    public static Image gray8(byte[] gray8) {
        return Image.newBuilder().setGray8(ByteString.copyFrom(gray8)).build();
    }

    /** Returns an image message holding 784 bytes of {@code buffer} from {@code offset}. */
    public static Image gray8(byte[] buffer, int offset) {
        return Image.newBuilder().setGray8(ByteString.copyFrom(buffer, offset, DigitImage.PIXELS)).build();
    }

    /** Returns an image message holding an encoded PNG/JPEG/BMP/GIF file. */
    public static Image encoded(byte[] file) {
        return Image.newBuilder().setEncoded(ByteString.copyFrom(file)).build();
    }

    /** Returns an image message holding the 784 model-ready pixels of {@code image}. */
    public static Image pixels(DigitImage image) {
        Pixels.Builder p = Pixels.newBuilder();
        for (float v : image.pixels()) {
            p.addValues(v);
        }
        return Image.newBuilder().setPixels(p).build();
    }

    /** Classifies {@code images} in one call; predictions come back in order. */
    public ClassifyResponse classify(List<Image> images, boolean returnProbabilities) {
        return classify(ClassifyRequest.newBuilder().addAllImages(images).setReturnProbabilities(returnProbabilities)
                .build());
    }

    /** Sends one {@code Classify} call. */
    public ClassifyResponse classify(ClassifyRequest request) {
        return blocking().classify(request);
    }

    /** Returns the server's model description and batching settings. */
    public ModelInfo modelInfo() {
        return blocking().getModelInfo(GetModelInfoRequest.getDefaultInstance());
    }

    /** Returns the server's overall health ({@code SERVING} once the model is warmed up). */
    public ServingStatus health() {
        return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
                .check(HealthCheckRequest.newBuilder().setService("").build()).getStatus();
    }

    /** Returns a blocking stub with the per-call deadline applied. */
    public ClassifierGrpc.ClassifierBlockingStub blocking() {
        return ClassifierGrpc.newBlockingStub(channel).withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Returns an asynchronous stub (no deadline applied; add one per call with {@code withDeadlineAfter}). */
    public ClassifierGrpc.ClassifierStub async() {
        return ClassifierGrpc.newStub(channel);
    }

    /** Returns the underlying channel. */
    public ManagedChannel channel() {
        return channel;
    }

    /** Shuts the channel down (if owned), waiting up to 5 s. Idempotent. */
    @Override
    public void close() {
        if (!owned) {
            return;
        }
        channel.shutdown();
        try {
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.shutdownNow();
        }
    }

    /**
     * A parsed {@code host:port} (IPv6 hosts in brackets).
     *
     * @param host host name or address
     * @param port port 1..65535
     */
    public record HostPort(String host, int port) {
        /**
         * Parses {@code host:port} or {@code [v6]:port}.
         *
         * @throws IllegalArgumentException with what was found and what was expected
         */
        public static HostPort parse(String text) {
            if (text == null || text.isBlank()) {
                throw new IllegalArgumentException("server address is empty; expected host:port, e.g. localhost:50051");
            }
            String t = text.trim();
            int colon = t.lastIndexOf(':');
            if (colon <= 0 || colon == t.length() - 1) {
                throw new IllegalArgumentException("server address is '" + text + "'; expected host:port, e.g. localhost:50051");
            }
            String host = t.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(t.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("server address is '" + text + "'; the port is not a number");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("server address is '" + text + "'; expected a port in 1..65535");
            }
            return new HostPort(host, port);
        }
    }
}
