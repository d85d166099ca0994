package dev.glyph.cli;

import dev.glyph.client.RemoteClassifier;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Prediction;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code classify --server host:port} backend: a thin adapter from the command's
 * {@link ClassifyCommand.Backend} to the client module's {@link RemoteClassifier}, which does the
 * sending (files encoded, images without loss, in calls of at most {@link RemoteClassifier#BATCH})
 * and the error mapping. Either way the server sees exactly the pixels the in-process SDK would.
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

    private final RemoteClassifier remote;

    private RemoteBackend(RemoteClassifier remote) {
        this.remote = remote;
    }

    /**
     * Connects to {@code hostPort} and asks for the model description, so an unreachable
     * server fails here with a one-line message.
     *
     * @throws IllegalArgumentException if {@code hostPort} is not host:port
     * @throws dev.glyph.client.ClientException if the server cannot be reached or is not serving
     */
    public static RemoteBackend connect(String hostPort) {
        return new RemoteBackend(RemoteClassifier.connect(hostPort));
    }

    @Override
    public List<Prediction> classify(List<DigitImage> images) {
        List<float[]> pixels = new ArrayList<>(images.size());
        for (DigitImage img : images) {
            pixels.add(img.pixels());
        }
        return toSdk(remote.classifyPixels(pixels));
    }

    /** Sends the file's bytes as they are; the server decodes them like {@link DigitImage#ofEncoded}. */
    @Override
    public Prediction classifyEncoded(byte[] file) {
        return toSdk(List.of(remote.classifyEncoded(file))).get(0);
    }

    private static List<Prediction> toSdk(List<dev.glyph.proto.v1.Prediction> wire) {
        List<Prediction> out = new ArrayList<>(wire.size());
        for (dev.glyph.proto.v1.Prediction p : wire) {
            float[] probs = new float[p.getProbabilitiesCount()];
            for (int k = 0; k < probs.length; k++) {
                probs[k] = p.getProbabilities(k);
            }
            out.add(new Prediction(p.getLabel(), p.getConfidence(), probs));
        }
        return out;
    }

    @Override
    public int maxBatch() {
        return RemoteClassifier.BATCH;
    }

    @Override
    public String describe() {
        return "server " + remote.target() + " model " + remote.model();
    }

    @Override
    public void close() {
        remote.close();
    }
}
