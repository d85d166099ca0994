package dev.glyph.exporter.internal;

/**
 * One model format that turns images into log-probabilities: the trained model on DJL, the TorchScript
 * file on DJL or the ONNX file on ONNX Runtime. Engine exceptions do not escape: a failing forward pass
 * throws {@link IllegalStateException} with a one-line message naming the format.
 *
 * <p>Thread-safety: not thread-safe; one caller at a time. {@link #close()} is idempotent.
 */
public interface FormatRunner extends AutoCloseable {

    /** Pixels per image (1x28x28). */
    int PIXELS = 28 * 28;
    /** Classes per output row. */
    int CLASSES = 10;

    /** The format name, e.g. {@code "onnx"}. */
    String format();

    /** The engine and device, e.g. {@code "ONNX Runtime 1.23.2, CPU"}. */
    String engine();

    /**
     * Returns eval-mode log-probabilities, row-major {@code [n,10]}, for {@code n} images of 784 floats
     * (pixel/255), computed in chunks of at most {@code batch} images.
     *
     * @throws IllegalArgumentException if {@code images.length != n * 784} or {@code batch < 1}
     * @throws IllegalStateException if the engine fails
     */
    float[] logProbs(float[] images, int n, int batch);

    @Override
    void close();

    /** Checks the arguments of {@link #logProbs}. */
    static void checkInput(float[] images, int n, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("batch size is " + batch + "; expected >= 1");
        }
        if (n < 0 || images == null || images.length != (long) n * PIXELS) {
            throw new IllegalArgumentException("expected " + n + " images of " + PIXELS + " floats ("
                    + (long) n * PIXELS + " values), found " + (images == null ? "null" : images.length + " values"));
        }
    }

    /** Returns the first line of an engine message, or the exception's class name when it has none. */
    static String firstLine(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return e.getClass().getSimpleName();
        }
        m = m.strip();
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl).strip();
    }
}
