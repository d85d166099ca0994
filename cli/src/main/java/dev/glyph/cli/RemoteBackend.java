package dev.glyph.cli;

import dev.glyph.grpcserver.GlyphClient;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.proto.v1.ClassifyResponse;
import dev.glyph.proto.v1.Image;
import dev.glyph.proto.v1.ModelInfo;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code classify --server host:port} backend: sends images to a running {@code glyph serve}
 * in {@code Classify} calls of at most {@link #BATCH} images. An image whose pixels are all
 * multiples of 1/255 (MNIST data) travels as 784 gray8 bytes, anything else as 784 floats; either
 * way the server sees exactly the pixels the in-process SDK would.
 *
 * <pre>{@code
 * try (RemoteBackend b = RemoteBackend.connect("localhost:50051")) {
 *     List<Prediction> ps = b.classify(images);
 * }
 * }</pre>
 *
 * <p>Thread-safety: thread-safe (one gRPC channel).
 */
public final class RemoteBackend implements ClassifyCommand.Backend {

    /** Images per request. */
    public static final int BATCH = 64;

    private final GlyphClient client;
    private final String target;
    private String model = "";

    private RemoteBackend(GlyphClient client, String target) {
        this.client = client;
        this.target = target;
    }

    /**
     * Connects to {@code hostPort} and asks for the model description, so an unreachable
     * server fails here with a one-line message.
     *
     * @throws IllegalArgumentException if {@code hostPort} is not host:port
     * @throws IllegalStateException if the server cannot be reached or is not serving
     */
    public static RemoteBackend connect(String hostPort) {
        GlyphClient c = GlyphClient.connect(hostPort, Duration.ofSeconds(60));
        RemoteBackend b = new RemoteBackend(c, hostPort);
        try {
            ModelInfo info = c.modelInfo();
            b.model = info.getName() + "/" + info.getVersion();
        } catch (StatusRuntimeException e) {
            c.close();
            throw failure(hostPort, e);
        }
        return b;
    }

    private static IllegalStateException failure(String target, StatusRuntimeException e) {
        String d = e.getStatus().getDescription();
        return new IllegalStateException("server " + target + ": " + e.getStatus().getCode()
                + (d == null ? "" : ": " + d));
    }

    /** Returns the wire form of {@code img}: gray8 when lossless, else floats. */
    static Image toMessage(DigitImage img) {
        float[] px = img.pixels();
        byte[] gray = new byte[px.length];
        for (int i = 0; i < px.length; i++) {
            int b = Math.round(px[i] * 255f);
            if (b / 255f != px[i]) {
                return GlyphClient.pixels(img);
            }
            gray[i] = (byte) b;
        }
        return GlyphClient.gray8(gray);
    }

    @Override
    public List<Prediction> classify(List<DigitImage> images) {
        List<Prediction> out = new ArrayList<>(images.size());
        for (int start = 0; start < images.size(); start += BATCH) {
            List<Image> req = new ArrayList<>();
            for (DigitImage img : images.subList(start, Math.min(images.size(), start + BATCH))) {
                req.add(toMessage(img));
            }
            ClassifyResponse r;
            try {
                r = client.classify(req, true);
            } catch (StatusRuntimeException e) {
                throw failure(target, e);
            }
            for (dev.glyph.proto.v1.Prediction p : r.getPredictionsList()) {
                float[] probs = new float[p.getProbabilitiesCount()];
                for (int k = 0; k < probs.length; k++) {
                    probs[k] = p.getProbabilities(k);
                }
                out.add(new Prediction(p.getLabel(), p.getConfidence(), probs));
            }
        }
        return out;
    }

    @Override
    public int maxBatch() {
        return BATCH;
    }

    @Override
    public String describe() {
        return "server " + target + " model " + model;
    }

    @Override
    public void close() {
        client.close();
    }
}
