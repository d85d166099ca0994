package dev.glyph.exporter;

import java.nio.file.Path;

/**
 * Options of {@link Exporter#export}. Start from {@link #defaults()} and change what you need.
 *
 * <pre>{@code
 * ExportOptions o = ExportOptions.defaults().withForce(true).withParityImages(2000);
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
 */
public record ExportOptions(String name, Path dataDir, int parityImages, int batchSize, boolean force,
        double tolerance) {

    /** The default number of parity images. */
    public static final int DEFAULT_PARITY_IMAGES = 1000;
    /** The default forward batch. */
    public static final int DEFAULT_BATCH = 200;

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
    }

    /** Returns the defaults: name from the folder, data/&lt;dataset&gt;, 1,000 parity images, no force. */
    public static ExportOptions defaults() {
        return new ExportOptions(null, null, DEFAULT_PARITY_IMAGES, DEFAULT_BATCH, false,
                ParityReport.DEFAULT_TOLERANCE);
    }

    /** Returns a copy with the model name. */
    public ExportOptions withName(String v) {
        return new ExportOptions(v, dataDir, parityImages, batchSize, force, tolerance);
    }

    /** Returns a copy with the data folder. */
    public ExportOptions withDataDir(Path v) {
        return new ExportOptions(name, v, parityImages, batchSize, force, tolerance);
    }

    /** Returns a copy with the number of parity images. */
    public ExportOptions withParityImages(int v) {
        return new ExportOptions(name, dataDir, v, batchSize, force, tolerance);
    }

    /** Returns a copy with the forward batch size. */
    public ExportOptions withBatchSize(int v) {
        return new ExportOptions(name, dataDir, parityImages, v, force, tolerance);
    }

    /** Returns a copy with a (tighter) parity tolerance. */
    public ExportOptions withTolerance(double v) {
        return new ExportOptions(name, dataDir, parityImages, batchSize, force, v);
    }

    /** Returns a copy with the force flag. */
    public ExportOptions withForce(boolean v) {
        return new ExportOptions(name, dataDir, parityImages, batchSize, v, tolerance);
    }
}
