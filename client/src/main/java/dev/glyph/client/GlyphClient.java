package dev.glyph.client;

import com.google.protobuf.ByteString;
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

    /** Pixels of one 28x28 image. */
    public static final int PIXELS = 28 * 28;

    /** Largest inbound message (64 MiB): a response to a large batch with probabilities fits. */
    public static final int MAX_INBOUND_BYTES = 64 * 1024 * 1024;

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
        Duration timeout = checkTimeout(callTimeout);
        ManagedChannel ch = NettyChannelBuilder.forAddress(hp.host(), hp.port())
                .usePlaintext()
                .maxInboundMessageSize(MAX_INBOUND_BYTES)
                .build();
        return new GlyphClient(ch, true, timeout);
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
        return Image.newBuilder().setGray8(ByteString.copyFrom(buffer, offset, PIXELS)).build();
    }

    /** Returns an image message holding an encoded PNG/JPEG/BMP/GIF file. */
    public static Image encoded(byte[] file) {
        return Image.newBuilder().setEncoded(ByteString.copyFrom(file)).build();
    }

    /**
     * Returns an image message holding 784 model-ready pixels (floats in [0,1], 1 = ink, as the
     * SDK's {@code DigitImage.pixels()}); the array is copied.
     */
    public static Image pixels(float[] pixels) {
        Pixels.Builder p = Pixels.newBuilder();
        for (float v : pixels) {
            p.addValues(v);
        }
        return Image.newBuilder().setPixels(p).build();
    }

    /**
     * Returns the wire form of 784 model-ready pixels that loses nothing: 784 gray8 bytes when
     * every pixel is a multiple of 1/255 (MNIST data, decoded files), else 784 floats. Either way
     * the server sees exactly these pixels.
     */
    public static Image lossless(float[] pixels) {
        byte[] gray = new byte[pixels.length];
        for (int i = 0; i < pixels.length; i++) {
            int b = Math.round(pixels[i] * 255f);
            if (b < 0 || b > 255 || b / 255f != pixels[i]) {
                return pixels(pixels);
            }
            gray[i] = (byte) b;
        }
        return gray8(gray);
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

    /** Returns the server this client calls: {@code host:port}, or the in-process name. */
    public String target() {
        return channel.authority();
    }

    /** Returns the underlying channel. */
    public ManagedChannel channel() {
        return channel;
    }

    /** Shuts the channel down (if owned), waiting up to 5 s before forcing it. Idempotent. */
    @Override
    public void close() {
        if (owned && !terminates(channel.shutdown(), Duration.ofSeconds(5))) {
            channel.shutdownNow();
        }
    }

    /** Waits for {@code ch} to terminate; false on timeout or interrupt (the interrupt flag is kept). */
    private static boolean terminates(ManagedChannel ch, Duration wait) {
        try {
            return ch.awaitTermination(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
