package dev.glyph.exporter.internal;

/**
 * The common part of a {@link FormatRunner} that runs its engine on chunks of at most {@code batch} images:
 * the format and engine names, the argument checks and the chunk loop of {@link #logProbs}.
 *
 * <p>Thread-safety: not thread-safe, as {@link FormatRunner}.
 */
abstract class ChunkedRunner implements FormatRunner {

    private final String format;
    private final String engine;

    ChunkedRunner(String format, String engine) {
        this.format = format;
        this.engine = engine;
    }

    @Override
    public final String format() {
        return format;
    }

    @Override
    public final String engine() {
        return engine;
    }

    @Override
    public final float[] logProbs(float[] images, int n, int batch) {
        checkOpen();
        FormatRunner.checkInput(images, n, batch);
        float[] out = new float[n * CLASSES];
        for (int from = 0; from < n; from += batch) {
            forward(images, from, Math.min(batch, n - from), out);
        }
        return out;
    }

    /** Throws {@link IllegalStateException} if the runner is closed; by default it never is. */
    void checkOpen() {
    }

    /**
     * Writes the log-probabilities of images {@code from .. from + count - 1} of {@code images} (784 floats each)
     * to rows {@code from ..} of {@code out}.
     *
     * @throws IllegalStateException if the engine fails, with a one-line message naming the format
     */
    abstract void forward(float[] images, int from, int count, float[] out);
}
