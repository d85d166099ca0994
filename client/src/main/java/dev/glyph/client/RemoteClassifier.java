package dev.glyph.client;

import dev.glyph.proto.v1.ClassifyResponse;
import dev.glyph.proto.v1.Image;
import dev.glyph.proto.v1.ModelInfo;
import dev.glyph.proto.v1.Prediction;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Classifies images on a running {@code glyph serve}: image files (sent encoded, so the server
 * applies the SDK's MNIST-style preprocessing), IDX test images (sent as gray8) or model-ready
 * pixels (sent without loss). Large inputs go in {@code Classify} calls of at most
 * {@link #BATCH} images; predictions come back in order, with probabilities.
 *
 * <pre>{@code
 * try (RemoteClassifier remote = RemoteClassifier.connect("localhost:50051")) {
 *     Prediction p = remote.classifyFile(Path.of("digit.png"));
 *     System.out.println(p.getLabel() + " " + p.getConfidence() + " from " + remote.model());
 * }
 * }</pre>
 *
 * <p>Errors: a bad image (the server answers INVALID_ARGUMENT) is an {@link IllegalArgumentException}
 * with the server's message; any other failed call is a {@link ClientException} naming the server
 * and the status code.
 *
 * <p>Thread-safety: thread-safe (one gRPC channel); {@link #close()} is idempotent.
 */
public final class RemoteClassifier implements AutoCloseable {

    /** Images per {@code Classify} call. */
    public static final int BATCH = 64;

    private static final String ENCODED_FIELD = "images[0].encoded: ";

    private final GlyphClient client;
    private final ModelInfo info;

    /** Reads the model description now, so that a server that cannot answer fails here. */
    private RemoteClassifier(GlyphClient client) {
        this.client = client;
        try {
            this.info = client.modelInfo();
        } catch (StatusRuntimeException e) {
            client.close();
            throw new ClientException(client.target(), e);
        }
    }

    /**
     * Connects to {@code hostPort} (60 s per call) and asks for the model description, so an
     * unreachable or not-yet-serving server fails here.
     *
     * @throws IllegalArgumentException if {@code hostPort} is not host:port
     * @throws ClientException if the server cannot be reached or is not serving
     */
    public static RemoteClassifier connect(String hostPort) {
        return of(GlyphClient.connect(hostPort, Duration.ofSeconds(60)));
    }

    /**
     * Uses {@code client} (closed by {@link #close()}, also on failure here).
     *
     * @throws ClientException if the model description cannot be read
     */
    public static RemoteClassifier of(GlyphClient client) {
        return new RemoteClassifier(client);
    }

    /** Returns the server address ({@link GlyphClient#target()}). */
    public String target() {
        return client.target();
    }

    /** Returns the served model's description, read at connect time. */
    public ModelInfo modelInfo() {
        return info;
    }

    /** Returns {@code name/version} of the served model. */
    public String model() {
        return info.getName() + "/" + info.getVersion();
    }

    /**
     * Classifies one image file (PNG/JPEG/BMP/GIF, any size); the server decodes it.
     *
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if the server rejects the file as an image
     */
    public Prediction classifyFile(Path file) throws IOException {
        return classifyEncoded(Files.readAllBytes(file));
    }

    /**
     * Classifies one encoded image (the bytes of a PNG/JPEG/BMP/GIF file).
     *
     * @throws IllegalArgumentException if the bytes are empty or the server rejects them
     */
    public Prediction classifyEncoded(byte[] file) {
        if (file == null || file.length == 0) {
            throw new IllegalArgumentException("image file is empty; expected PNG, JPEG, BMP or GIF bytes");
        }
        try {
            return classify(List.of(GlyphClient.encoded(file))).get(0);
        } catch (IllegalArgumentException e) {
            // One image per call: the server's "images[0].encoded: " field prefix says nothing here.
            String m = String.valueOf(e.getMessage());
            throw m.startsWith(ENCODED_FIELD) ? new IllegalArgumentException(m.substring(ENCODED_FIELD.length()), e) : e;
        }
    }

    /**
     * Classifies images {@code from} (inclusive) to {@code to} (exclusive) of a test split.
     *
     * @throws IndexOutOfBoundsException if the range is not inside the split
     */
    public List<Prediction> classify(TestImages images, int from, int to) {
        Objects.checkFromToIndex(from, to, images.count());
        List<Image> msgs = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            msgs.add(images.image(i));
        }
        return classify(msgs);
    }

    /** Classifies model-ready 784-pixel images, sent without loss ({@link GlyphClient#lossless}). */
    public List<Prediction> classifyPixels(List<float[]> images) {
        List<Image> msgs = new ArrayList<>(images.size());
        for (float[] px : images) {
            msgs.add(GlyphClient.lossless(px));
        }
        return classify(msgs);
    }

    /** Classifies image messages in calls of at most {@link #BATCH}; predictions in order. */
    public List<Prediction> classify(List<Image> images) {
        List<Prediction> out = new ArrayList<>(images.size());
        for (int start = 0; start < images.size(); start += BATCH) {
            ClassifyResponse r;
            try {
                r = client.classify(images.subList(start, Math.min(images.size(), start + BATCH)), true);
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.INVALID_ARGUMENT) {
                    throw new IllegalArgumentException(e.getStatus().getDescription(), e);
                }
                throw new ClientException(client.target(), e);
            }
            out.addAll(r.getPredictionsList());
        }
        return out;
    }

    /** Closes the channel. Idempotent. */
    @Override
    public void close() {
        client.close();
    }
}
