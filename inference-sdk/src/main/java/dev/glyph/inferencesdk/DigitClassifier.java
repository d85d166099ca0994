package dev.glyph.inferencesdk;

import dev.glyph.inferencesdk.internal.OrtClassifier;
import java.nio.file.Path;
import java.util.List;

/**
 * A loaded MNIST-style digit classifier: one ONNX Runtime session over a model folder's
 * {@code model.onnx}.
 *
 * <pre>{@code
 * try (DigitClassifier c = DigitClassifier.open(Path.of("models/mnist/1"),
 *         Options.defaults().device(Device.cpu()).intraOpThreads(2))) {
 *     Prediction p = c.classify(DigitImage.ofPng(bytes));
 *     List<Prediction> ps = c.classifyBatch(images);
 *     ModelInfo info = c.modelInfo();
 *     double t = c.temperature();             // the manifest's temperature_scaling, 1.0 without it
 *     String provider = c.activeProvider();   // "CPU" or "CUDA"
 * }
 * }</pre>
 *
 * <p>Thread-safety: safe for concurrent use. One shared session serves any number of caller
 * threads at once (ONNX Runtime's {@code Run} is thread-safe); every call uses its own input and
 * output tensors. {@link #close()} waits for calls already running and then releases the
 * session; calls after close throw {@link IllegalStateException}; {@code close()} is idempotent.
 */
public final class DigitClassifier implements AutoCloseable {

    /** The input tensor name the SDK feeds. */
    public static final String INPUT_NAME = "image";
    /** The output tensor name the SDK reads. */
    public static final String OUTPUT_NAME = "log_probs";
    /** The number of classes. */
    public static final int CLASSES = 10;

    private final OrtClassifier impl;

    private DigitClassifier(OrtClassifier impl) {
        this.impl = impl;
    }

    /**
     * Opens the model folder {@code modelDir} (containing {@code manifest.json} and
     * {@code model.onnx}) with {@code options}: reads the manifest, verifies the ONNX file's
     * SHA-256 and size, creates the session on the requested device and checks its input
     * ({@code image} float [?,1,28,28]) and output ({@code log_probs} float [?,10]).
     *
     * @throws ModelLoadException if the folder cannot be loaded; the message says what was found and expected
     */
    public static DigitClassifier open(Path modelDir, Options options) throws ModelLoadException {
        if (modelDir == null) {
            throw new IllegalArgumentException("model folder is null");
        }
        if (options == null) {
            throw new IllegalArgumentException("options are null; use Options.defaults()");
        }
        return new DigitClassifier(OrtClassifier.open(modelDir, options));
    }

    /** Opens {@code modelDir} with {@link Options#defaults()}. */
    public static DigitClassifier open(Path modelDir) throws ModelLoadException {
        return open(modelDir, Options.defaults());
    }

    /**
     * Classifies one image.
     *
     * @throws IllegalArgumentException if {@code image} is null
     * @throws InferenceException if the engine fails
     * @throws IllegalStateException after {@link #close()}
     */
    public Prediction classify(DigitImage image) {
        if (image == null) {
            throw new IllegalArgumentException("image is null");
        }
        return impl.classifyBatch(List.of(image)).get(0);
    }

    /**
     * Classifies {@code images} in one model call; results are in the same order.
     *
     * @throws IllegalArgumentException if the list is null or empty, holds a null (the message
     *     names its index), or is longer than {@link Options#maxBatchSize()}
     * @throws InferenceException if the engine fails
     * @throws IllegalStateException after {@link #close()}
     */
    public List<Prediction> classifyBatch(List<DigitImage> images) {
        return impl.classifyBatch(images);
    }

    /** Returns the manifest's description of the loaded model. */
    public ModelInfo modelInfo() {
        return impl.modelInfo();
    }

    /**
     * Returns the temperature {@code T} this classifier's probabilities use, {@code softmax(log_probs / T)}:
     * {@link ModelInfo#temperature()} when {@link Options#applyTemperature()} is on (the default), else 1.
     */
    public double temperature() {
        return impl.temperature();
    }

    /** Returns the execution provider in use: {@code "CPU"} or {@code "CUDA"}. */
    public String activeProvider() {
        return impl.activeProvider();
    }

    /** Returns the options this classifier was opened with. */
    public Options options() {
        return impl.options();
    }

    /** Returns the largest batch {@link #classifyBatch(List)} accepts. */
    public int maxBatchSize() {
        return impl.options().maxBatchSize();
    }

    /** Returns whether {@link #close()} has been called. */
    public boolean isClosed() {
        return impl.isClosed();
    }

    /** Releases the native session. Idempotent. */
    @Override
    public void close() {
        impl.close();
    }
}
