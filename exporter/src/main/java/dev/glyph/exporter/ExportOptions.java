package dev.glyph.exporter;

import dev.glyph.modelformat.TritonConfig;
import java.nio.file.Path;

/**
 * Options of {@link Exporter#export}. Start from {@link #defaults()} and change what you need.
 *
 * <pre>{@code
 * ExportOptions o = ExportOptions.defaults().withForce(true).withParityImages(2000).withMaxBatchSize(32);
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param name the model name; null means the name of the output folder's parent ({@code models/mnist/1} →
 *     {@code mnist})
 * @param dataDir the folder with the data set's IDX files; null means {@code data/<dataset>} relative to the
 *     working directory
 * @param parityImages how many test images (the first ones) the export-time parity check uses, at least 1
 * @param batchSize images per forward call in the parity check, at least 1
 * @param force replace an existing, non-empty model folder
 * @param tolerance the largest allowed absolute log-probability difference between formats; it may be
 *     tightened below {@link ParityReport#DEFAULT_TOLERANCE} but never loosened
 * @param maxBatchSize config.pbtxt's {@code max_batch_size}: the largest batch Triton forms, at least 1
 * @param maxQueueDelayMicros config.pbtxt's {@code dynamic_batching.max_queue_delay_microseconds} when export
 *     creates the file, at least 0 (an existing file keeps its own batching settings)
 */
public record ExportOptions(String name, Path dataDir, int parityImages, int batchSize, boolean force,
        double tolerance, int maxBatchSize, long maxQueueDelayMicros) {

    /** The default number of parity images. */
    public static final int DEFAULT_PARITY_IMAGES = 1000;
    /** The default forward batch. */
    public static final int DEFAULT_BATCH = 200;
    /** The default {@code max_batch_size} of config.pbtxt. */
    public static final int DEFAULT_MAX_BATCH_SIZE = TritonConfig.DEFAULT_MAX_BATCH_SIZE;
    /** The default dynamic-batching queue delay of config.pbtxt, in microseconds. */
    public static final long DEFAULT_MAX_QUEUE_DELAY_MICROS = TritonConfig.DEFAULT_MAX_QUEUE_DELAY_MICROS;

    /** Validates the ranges. */
    public ExportOptions {
        if (parityImages < 1) {
            throw new IllegalArgumentException("--parity-images is " + parityImages + "; expected at least 1");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size is " + batchSize + "; expected at least 1");
        }
        if (!(tolerance >= 0 && tolerance <= ParityReport.DEFAULT_TOLERANCE)) {
            throw new IllegalArgumentException("tolerance is " + tolerance + "; expected 0 to "
                    + ParityReport.DEFAULT_TOLERANCE + " (it can be tightened, not loosened)");
        }
        if (name != null && (name.isBlank() || name.contains("/") || name.contains("\\"))) {
            throw new IllegalArgumentException("--name is \"" + name + "\"; expected a non-empty name without "
                    + "slashes, e.g. mnist");
        }
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("--max-batch-size is " + maxBatchSize + "; expected at least 1");
        }
        if (maxQueueDelayMicros < 0) {
            throw new IllegalArgumentException("--max-queue-delay-us is " + maxQueueDelayMicros
                    + "; expected at least 0");
        }
    }

    /**
     * Returns the defaults: name from the folder, data/&lt;dataset&gt;, 1,000 parity images, no force,
     * max_batch_size 64, a 2,000 µs queue delay.
     */
    public static ExportOptions defaults() {
        return new ExportOptions(null, null, DEFAULT_PARITY_IMAGES, DEFAULT_BATCH, false,
                ParityReport.DEFAULT_TOLERANCE, DEFAULT_MAX_BATCH_SIZE, DEFAULT_MAX_QUEUE_DELAY_MICROS);
    }

    /** Returns a copy with the model name. */
    public ExportOptions withName(String v) {
        return new ExportOptions(v, dataDir, parityImages, batchSize, force, tolerance, maxBatchSize,
                maxQueueDelayMicros);
    }

    /** Returns a copy with the data folder. */
    public ExportOptions withDataDir(Path v) {
        return new ExportOptions(name, v, parityImages, batchSize, force, tolerance, maxBatchSize,
                maxQueueDelayMicros);
    }

    /** Returns a copy with the number of parity images. */
    public ExportOptions withParityImages(int v) {
        return new ExportOptions(name, dataDir, v, batchSize, force, tolerance, maxBatchSize, maxQueueDelayMicros);
    }

    /** Returns a copy with the forward batch size. */
    public ExportOptions withBatchSize(int v) {
        return new ExportOptions(name, dataDir, parityImages, v, force, tolerance, maxBatchSize, maxQueueDelayMicros);
    }

    /** Returns a copy with a (tighter) parity tolerance. */
    public ExportOptions withTolerance(double v) {
        return new ExportOptions(name, dataDir, parityImages, batchSize, force, v, maxBatchSize, maxQueueDelayMicros);
    }

    /** Returns a copy with the force flag. */
    public ExportOptions withForce(boolean v) {
        return new ExportOptions(name, dataDir, parityImages, batchSize, v, tolerance, maxBatchSize,
                maxQueueDelayMicros);
    }

    /** Returns a copy with config.pbtxt's max_batch_size. */
    public ExportOptions withMaxBatchSize(int v) {
        return new ExportOptions(name, dataDir, parityImages, batchSize, force, tolerance, v, maxQueueDelayMicros);
    }

    /** Returns a copy with config.pbtxt's dynamic-batching queue delay, in microseconds. */
    public ExportOptions withMaxQueueDelayMicros(long v) {
        return new ExportOptions(name, dataDir, parityImages, batchSize, force, tolerance, maxBatchSize, v);
    }
}
