package dev.glyph.trainer;

import dev.glyph.datasets.Datasets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything that determines a training run. Defaults are the reference tutorial's: MNIST, 2 epochs,
 * batch 32, SGD lr 0.01 without momentum, seed 0, constant learning rate, no input normalisation.
 *
 * <pre>{@code
 * TrainConfig cfg = TrainConfig.builder(Path.of("data/mnist"), Path.of("runs/first"))
 *         .epochs(1).limit(12_800).build();
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param dataset "mnist" or "fashion-mnist"
 * @param dataDir folder with the four IDX files (fetched when empty)
 * @param outDir the run folder
 * @param epochs total epochs (a resumed run continues up to this number)
 * @param batchSize training batch size
 * @param lr base learning rate
 * @param seed seed for initialisation, shuffling and dropout
 * @param threads intra-op threads for libtorch on the CPU (0 = the engine's default)
 * @param optimizer the optimiser
 * @param momentum momentum for {@link OptimizerKind#MOMENTUM}
 * @param schedule learning-rate schedule
 * @param lrGamma per-epoch factor for {@link LrSchedule#STEP}
 * @param device where to train
 * @param limit train on the first N training images only (0 = all)
 * @param normalize standardise inputs with the training set's mean and std during training; the
 *     exported weights fold this into conv1, so exported models still take pixel/255
 * @param resume continue from the run folder's last complete epoch
 * @param recipe the {@link Recipe} the defaults came from (explicit options may have overridden some)
 * @param augment the seeded augmentation of training images ({@link Augmentation#NONE} for none)
 * @param holdout training images held out of training (seeded choice) to fit the temperature of the
 *     probabilities on; 0 = none, and then no temperature is fitted
 */
public record TrainConfig(String dataset, Path dataDir, Path outDir, int epochs, int batchSize, double lr,
        long seed, int threads, OptimizerKind optimizer, double momentum, LrSchedule schedule, double lrGamma,
        DeviceChoice device, int limit, boolean normalize, boolean resume, Recipe recipe, Augmentation augment,
        int holdout) {

    /** Validates ranges; bad values get an {@link IllegalArgumentException} naming the option. */
    public TrainConfig {
        if (!Datasets.NAMES.contains(dataset)) {
            throw new IllegalArgumentException("--dataset must be one of " + Datasets.NAMES + ", found '" + dataset + "'");
        }
        requirePositive("--epochs", epochs);
        requirePositive("--batch-size", batchSize);
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("--lr must be a positive number, found " + lr);
        }
        if (threads < 0) {
            throw new IllegalArgumentException("--threads must be 0 (engine default) or more, found " + threads);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("--momentum must be in [0,1), found " + momentum);
        }
        if (!(lrGamma > 0 && lrGamma <= 1)) {
            throw new IllegalArgumentException("--lr-gamma must be in (0,1], found " + lrGamma);
        }
        if (limit < 0) {
            throw new IllegalArgumentException("--limit must be 0 (all) or a positive count, found " + limit);
        }
        if (holdout < 0) {
            throw new IllegalArgumentException("--holdout must be 0 (none) or a positive count, found " + holdout);
        }
        if (recipe == null || augment == null) {
            throw new IllegalArgumentException("the recipe and the augmentation are required (Recipe.REFERENCE and "
                    + "Augmentation.NONE for the tutorial's)");
        }
        if (dataDir == null || outDir == null) {
            throw new IllegalArgumentException("the data folder and the run folder are required");
        }
    }

    private static void requirePositive(String option, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(option + " must be a positive integer, found " + value);
        }
    }

    /** Returns a builder with the reference defaults. */
    public static Builder builder(Path dataDir, Path outDir) {
        return new Builder(dataDir, outDir);
    }

    /** Returns a builder initialised from this config. */
    public Builder toBuilder() {
        Builder b = new Builder(dataDir, outDir);
        b.dataset = dataset;
        b.epochs = epochs;
        b.batchSize = batchSize;
        b.lr = lr;
        b.seed = seed;
        b.threads = threads;
        b.optimizer = optimizer;
        b.momentum = momentum;
        b.schedule = schedule;
        b.lrGamma = lrGamma;
        b.device = device;
        b.limit = limit;
        b.normalize = normalize;
        b.resume = resume;
        b.recipe = recipe;
        b.augment = augment;
        b.holdout = holdout;
        return b;
    }

    /**
     * The hyperparameters that must match for {@code --resume} to continue a run bit-exactly (everything
     * except the epoch count, the folders, the device and the resume flag itself).
     */
    public Map<String, Object> identity() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dataset", dataset);
        m.put("batch_size", batchSize);
        m.put("lr", lr);
        m.put("seed", seed);
        m.put("optimizer", optimizer.name().toLowerCase());
        m.put("momentum", momentum);
        m.put("lr_schedule", schedule.name().toLowerCase());
        m.put("lr_gamma", lrGamma);
        m.put("limit", limit);
        m.put("normalize", normalize);
        if (!augment.isNone()) { // absent from checkpoints written before augmentation, which used none
            m.put("augment", augment.spec());
        }
        if (holdout > 0) {
            m.put("holdout", holdout);
        }
        return m;
    }

    /** All hyperparameters as a JSON-friendly map, for provenance. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>(identity());
        m.put("recipe", recipe.id());
        m.put("augment", augment.spec());
        m.put("holdout", holdout);
        m.put("epochs", epochs);
        m.put("threads", threads);
        m.put("device", device.name().toLowerCase());
        m.put("data_dir", dataDir.toString());
        m.put("out_dir", outDir.toString());
        return m;
    }

    /** Mutable builder; {@link #build()} validates. */
    public static final class Builder {
        private String dataset = "mnist";
        private Path dataDir;
        private Path outDir;
        private int epochs = 2;
        private int batchSize = 32;
        private double lr = 0.01;
        private long seed = 0;
        private int threads = 0;
        private OptimizerKind optimizer = OptimizerKind.SGD;
        private double momentum = 0.9;
        private LrSchedule schedule = LrSchedule.CONSTANT;
        private double lrGamma = 0.7;
        private DeviceChoice device = DeviceChoice.AUTO;
        private int limit = 0;
        private boolean normalize = false;
        private boolean resume = false;
        private Recipe recipe = Recipe.REFERENCE;
        private Augmentation augment = Augmentation.NONE;
        private int holdout = 0;

        private Builder(Path dataDir, Path outDir) {
            this.dataDir = dataDir;
            this.outDir = outDir;
        }

        /** Sets the dataset name. */
        public Builder dataset(String v) { dataset = v; return this; }
        /** Sets the data folder. */
        public Builder dataDir(Path v) { dataDir = v; return this; }
        /** Sets the run folder. */
        public Builder outDir(Path v) { outDir = v; return this; }
        /** Sets the total number of epochs. */
        public Builder epochs(int v) { epochs = v; return this; }
        /** Sets the batch size. */
        public Builder batchSize(int v) { batchSize = v; return this; }
        /** Sets the base learning rate. */
        public Builder lr(double v) { lr = v; return this; }
        /** Sets the seed. */
        public Builder seed(long v) { seed = v; return this; }
        /** Sets the intra-op thread count (0 = engine default). */
        public Builder threads(int v) { threads = v; return this; }
        /** Sets the optimiser. */
        public Builder optimizer(OptimizerKind v) { optimizer = v; return this; }
        /** Sets the momentum for {@link OptimizerKind#MOMENTUM}. */
        public Builder momentum(double v) { momentum = v; return this; }
        /** Sets the learning-rate schedule. */
        public Builder schedule(LrSchedule v) { schedule = v; return this; }
        /** Sets the per-epoch factor of {@link LrSchedule#STEP}. */
        public Builder lrGamma(double v) { lrGamma = v; return this; }
        /** Sets the device choice. */
        public Builder device(DeviceChoice v) { device = v; return this; }
        /** Trains on the first {@code v} images only (0 = all). */
        public Builder limit(int v) { limit = v; return this; }
        /** Standardises inputs during training (folded into conv1 on export). */
        public Builder normalize(boolean v) { normalize = v; return this; }
        /** Continues from the run folder's checkpoint. */
        public Builder resume(boolean v) { resume = v; return this; }

        /**
         * Sets every hyperparameter {@code r} defines to its value and records it as the recipe; call it
         * first, then the setters of the options that override the recipe.
         */
        public Builder recipe(Recipe r) { r.applyTo(this); recipe = r; return this; }
        /** Sets the augmentation of training images. */
        public Builder augment(Augmentation v) { augment = v; return this; }
        /** Holds {@code v} training images out of training to fit the probability temperature on (0 = none). */
        public Builder holdout(int v) { holdout = v; return this; }

        /** Validates and builds the config. */
        public TrainConfig build() {
            return new TrainConfig(dataset, dataDir, outDir, epochs, batchSize, lr, seed, threads, optimizer,
                    momentum, schedule, lrGamma, device, limit, normalize, resume, recipe, augment, holdout);
        }
    }
}
