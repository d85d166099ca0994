package dev.glyph.exporter;

import java.nio.file.Path;

/**
 * Options of {@link Optimizer#optimize}. Start from {@link #defaults()} or {@link #builder()}.
 *
 * <pre>{@code
 * OptimizeOptions o = OptimizeOptions.builder().precision(Precision.INT8).calibration(CalibrationMethod.PERCENTILE)
 *         .calibrationImages(1000).perChannel(true).dataDir(Path.of("data/mnist")).build();
 * }</pre>
 *
 * <p>Thread-safety: immutable; the builder is not thread-safe.
 *
 * @param precision {@code INT8} or {@code FP16} (not FP32)
 * @param calibration how activation ranges are chosen (int8 only)
 * @param calibrationImages training images to calibrate on, 1 to the training split's size (int8 only)
 * @param seed seeds the choice of calibration images
 * @param percentile the percentile of {@code PERCENTILE} calibration, in (0, 100]
 * @param perChannel one weight scale per output channel (else one per tensor)
 * @param reduceRange quantise weights to 7 bits (-63..63) instead of 8 (the default): x86 CPUs without VNNI
 *     multiply uint8 activations by int8 weights with AVX2's {@code vpmaddubsw}, whose int16 pair sums saturate
 *     when both are large (255 × 127 × 2 > 32767); 7-bit weights never saturate. With VNNI, 8 bits are exact and
 *     slightly more precise
 * @param dataDir the folder with the model's data set (test split for the gate); null means {@code data/<dataset>}
 * @param calibrationDataset the data set whose training split calibrates; null means the model's own (another
 *     one is allowed, to show what the gate does with scales from the wrong data)
 * @param calibrationDataDir the folder with the calibration data set; null means {@code dataDir} for the model's
 *     own data set, else {@code data/<calibrationDataset>}
 * @param maxAccuracyDrop the gate's largest allowed accuracy loss in points, 0 to
 *     {@value GateReport#DEFAULT_MAX_ACCURACY_DROP} (it can be tightened, not loosened)
 * @param minArgmaxAgreement the gate's smallest allowed argmax agreement in percent,
 *     {@value GateReport#DEFAULT_MIN_ARGMAX_AGREEMENT} to 100
 * @param batchSize images per forward call, at least 1
 * @param force replace an existing, non-empty output folder
 */
public record OptimizeOptions(Precision precision, CalibrationMethod calibration, int calibrationImages, long seed,
        double percentile, boolean perChannel, boolean reduceRange, Path dataDir, String calibrationDataset,
        Path calibrationDataDir, double maxAccuracyDrop, double minArgmaxAgreement, int batchSize, boolean force) {

    /** Default number of calibration images. */
    public static final int DEFAULT_CALIBRATION_IMAGES = 1000;
    /** Default percentile of percentile calibration. */
    public static final double DEFAULT_PERCENTILE = 99.99;
    /** Default seed of the calibration subset. */
    public static final long DEFAULT_SEED = 1;
    /** Default calibration method. */
    public static final CalibrationMethod DEFAULT_CALIBRATION = CalibrationMethod.PERCENTILE;

    /** Validates the ranges. */
    public OptimizeOptions {
        if (precision == null || precision == Precision.FP32) {
            throw new IllegalArgumentException("--precision is " + (precision == null ? "missing" : precision.id())
                    + "; expected int8 or fp16 (the source version is fp32 already)");
        }
        if (calibration == null) {
            throw new IllegalArgumentException("--calibration is missing; expected minmax, percentile or entropy");
        }
        if (calibrationImages < 1) {
            throw new IllegalArgumentException("--calibration-images is " + calibrationImages + "; expected at least 1");
        }
        if (!(percentile > 0 && percentile <= 100)) {
            throw new IllegalArgumentException("--percentile is " + percentile + "; expected more than 0, at most 100");
        }
        if (!(maxAccuracyDrop >= 0 && maxAccuracyDrop <= GateReport.DEFAULT_MAX_ACCURACY_DROP)) {
            throw new IllegalArgumentException("the largest accuracy drop is " + maxAccuracyDrop + "; expected 0 to "
                    + GateReport.DEFAULT_MAX_ACCURACY_DROP + " points (it can be tightened, not loosened)");
        }
        if (!(minArgmaxAgreement >= GateReport.DEFAULT_MIN_ARGMAX_AGREEMENT && minArgmaxAgreement <= 100)) {
            throw new IllegalArgumentException("the smallest argmax agreement is " + minArgmaxAgreement + "; expected "
                    + GateReport.DEFAULT_MIN_ARGMAX_AGREEMENT + " to 100 percent (it can be tightened, not loosened)");
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size is " + batchSize + "; expected at least 1");
        }
        if (calibrationDataset != null && !dev.glyph.datasets.Datasets.NAMES.contains(calibrationDataset)) {
            throw new IllegalArgumentException("--calibration-dataset is \"" + calibrationDataset + "\"; expected one of "
                    + dev.glyph.datasets.Datasets.NAMES);
        }
    }

    /** Returns the defaults: int8, percentile (99.99) on 1,000 seeded training images, per-channel 7-bit weights. */
    public static OptimizeOptions defaults() {
        return builder().build();
    }

    /** Returns a builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder holding these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.precision = precision;
        b.calibration = calibration;
        b.calibrationImages = calibrationImages;
        b.seed = seed;
        b.percentile = percentile;
        b.perChannel = perChannel;
        b.reduceRange = reduceRange;
        b.dataDir = dataDir;
        b.calibrationDataset = calibrationDataset;
        b.calibrationDataDir = calibrationDataDir;
        b.maxAccuracyDrop = maxAccuracyDrop;
        b.minArgmaxAgreement = minArgmaxAgreement;
        b.batchSize = batchSize;
        b.force = force;
        return b;
    }

    /**
     * Builds {@link OptimizeOptions}; {@link #build()} validates.
     *
     * <p>Thread-safety: not thread-safe.
     */
    public static final class Builder {
        private Precision precision = Precision.INT8;
        private CalibrationMethod calibration = DEFAULT_CALIBRATION;
        private int calibrationImages = DEFAULT_CALIBRATION_IMAGES;
        private long seed = DEFAULT_SEED;
        private double percentile = DEFAULT_PERCENTILE;
        private boolean perChannel = true;
        private boolean reduceRange = true;
        private Path dataDir;
        private String calibrationDataset;
        private Path calibrationDataDir;
        private double maxAccuracyDrop = GateReport.DEFAULT_MAX_ACCURACY_DROP;
        private double minArgmaxAgreement = GateReport.DEFAULT_MIN_ARGMAX_AGREEMENT;
        private int batchSize = ExportOptions.DEFAULT_BATCH;
        private boolean force;

        private Builder() {
        }

        /** Sets the target precision (int8 or fp16). */
        public Builder precision(Precision v) {
            precision = v;
            return this;
        }

        /** Sets the calibration method. */
        public Builder calibration(CalibrationMethod v) {
            calibration = v;
            return this;
        }

        /** Sets the number of calibration images. */
        public Builder calibrationImages(int v) {
            calibrationImages = v;
            return this;
        }

        /** Sets the seed of the calibration subset. */
        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /** Sets the percentile of percentile calibration. */
        public Builder percentile(double v) {
            percentile = v;
            return this;
        }

        /** Sets per-channel (true) or per-tensor (false) weight scales. */
        public Builder perChannel(boolean v) {
            perChannel = v;
            return this;
        }

        /** Sets 7-bit weights. */
        public Builder reduceRange(boolean v) {
            reduceRange = v;
            return this;
        }

        /** Sets the model's data folder. */
        public Builder dataDir(Path v) {
            dataDir = v;
            return this;
        }

        /** Sets the data set and folder whose training split calibrates (null for the model's own). */
        public Builder calibrationData(String dataset, Path dir) {
            calibrationDataset = dataset;
            calibrationDataDir = dir;
            return this;
        }

        /** Tightens the gate: the largest accuracy loss in points, and the smallest argmax agreement in percent. */
        public Builder gate(double maxDrop, double minAgreement) {
            maxAccuracyDrop = maxDrop;
            minArgmaxAgreement = minAgreement;
            return this;
        }

        /** Sets the forward batch size. */
        public Builder batchSize(int v) {
            batchSize = v;
            return this;
        }

        /** Sets whether an existing, non-empty output folder is replaced. */
        public Builder force(boolean v) {
            force = v;
            return this;
        }

        /**
         * Returns the options.
         *
         * @throws IllegalArgumentException naming the option out of range
         */
        public OptimizeOptions build() {
            return new OptimizeOptions(precision, calibration, calibrationImages, seed, percentile, perChannel,
                    reduceRange, dataDir, calibrationDataset, calibrationDataDir, maxAccuracyDrop, minArgmaxAgreement,
                    batchSize, force);
        }
    }
}
