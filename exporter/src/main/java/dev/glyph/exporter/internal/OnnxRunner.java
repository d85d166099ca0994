package dev.glyph.exporter.internal;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * An ONNX file ({@code model.onnx}) in an ONNX Runtime session on the CPU execution provider; one session per
 * file.
 *
 * <pre>{@code
 * try (OnnxRunner onnx = OnnxRunner.open(dir.resolve("model.onnx"))) {
 *     float[] logProbs = onnx.logProbs(images, n, 256);
 * }
 * }</pre>
 *
 * <p>Thread-safety: not thread-safe. {@link #close()} is idempotent.
 */
public final class OnnxRunner extends ChunkedRunner {

    /** The format name. */
    public static final String FORMAT = "onnx";

    private final String file;
    private final OrtEnvironment env;
    private final OrtSession session;
    private boolean closed;

    private OnnxRunner(String file, OrtEnvironment env, OrtSession session, String engine) {
        super(FORMAT, engine);
        this.file = file;
        this.env = env;
        this.session = session;
    }

    /**
     * Opens a CPU session for {@code file} and checks its input and output names.
     *
     * @throws IOException if the file is missing, ONNX Runtime rejects it, or its graph does not have input
     *     {@code image} and output {@code log_probs}; the message names the file
     */
    public static OnnxRunner open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " does not exist; expected an ONNX model file");
        }
        return open(file.toString(), file, null);
    }

    /**
     * Opens a CPU session for ONNX bytes and checks their input and output names.
     *
     * @param name names the model in messages, e.g. {@code "the ONNX bytes"}
     * @throws IOException as {@link #open(Path)}
     * @throws IllegalArgumentException if {@code onnx} is null
     */
    public static OnnxRunner open(byte[] onnx, String name) throws IOException {
        if (onnx == null) {
            throw new IllegalArgumentException(name + " is null; expected ONNX bytes");
        }
        return open(name, null, onnx);
    }

    private static OnnxRunner open(String file, Path path, byte[] bytes) throws IOException {
        OrtSession session = null;
        try {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                session = path != null ? env.createSession(path.toString(), options) : env.createSession(bytes, options);
            }
            if (!session.getInputNames().contains(OnnxWriter.INPUT)
                    || !session.getOutputNames().contains(OnnxWriter.OUTPUT_LOG_PROBS)) {
                String found = "inputs " + session.getInputNames() + ", outputs " + session.getOutputNames();
                session.close();
                throw new IOException(file + ": the graph has " + found + "; expected input '" + OnnxWriter.INPUT
                        + "' and output '" + OnnxWriter.OUTPUT_LOG_PROBS + "'");
            }
            return new OnnxRunner(file, env, session, "ONNX Runtime " + env.getVersion() + ", CPU");
        } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
            if (session != null) {
                closeQuietly(session);
            }
            throw new IOException(file + ": ONNX Runtime cannot load it: " + FormatRunner.firstLine(e), e);
        }
    }

    private static void closeQuietly(OrtSession s) {
        try {
            s.close();
        } catch (OrtException | RuntimeException ignored) {
            // already failing
        }
    }

    @Override
    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("OnnxRunner for " + file + " is closed");
        }
    }

    @Override
    void forward(float[] images, int from, int count, float[] out) {
        FloatBuffer in = FloatBuffer.wrap(images, from * PIXELS, count * PIXELS).slice();
        try (OnnxTensor x = OnnxTensor.createTensor(env, in, new long[] {count, 1, 28, 28});
                OrtSession.Result r = session.run(Map.of(OnnxWriter.INPUT, x),
                        java.util.Set.of(OnnxWriter.OUTPUT_LOG_PROBS))) {
            Optional<OnnxValue> v = r.get(OnnxWriter.OUTPUT_LOG_PROBS);
            if (v.isEmpty() || !(v.get() instanceof OnnxTensor t)) {
                throw new IllegalStateException(file + ": ONNX Runtime returned no tensor '"
                        + OnnxWriter.OUTPUT_LOG_PROBS + "'");
            }
            long[] shape = t.getInfo().getShape();
            if (shape.length != 2 || shape[0] != count || shape[1] != CLASSES) {
                throw new IllegalStateException(file + ": output '" + OnnxWriter.OUTPUT_LOG_PROBS
                        + "' has shape " + java.util.Arrays.toString(shape) + "; expected [" + count + ", "
                        + CLASSES + "]");
            }
            t.getFloatBuffer().get(out, from * CLASSES, count * CLASSES);
        } catch (OrtException e) {
            throw new IllegalStateException(file + ": ONNX Runtime inference failed: " + FormatRunner.firstLine(e), e);
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            closeQuietly(session);
        }
    }
}
