package dev.glyph.trainer;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDManager;
import dev.glyph.datasets.DataException;
import dev.glyph.datasets.Dataset;
import dev.glyph.datasets.Datasets;
import dev.glyph.datasets.ImageSet;
import dev.glyph.trainer.internal.checkpoint.CheckpointData;
import dev.glyph.trainer.internal.checkpoint.CheckpointStore;
import dev.glyph.trainer.internal.checkpoint.TrainingState;
import dev.glyph.trainer.internal.engine.EngineSetup;
import ai.djl.pytorch.engine.PtNDArray;
import dev.glyph.trainer.internal.engine.Torch;
import dev.glyph.trainer.internal.loop.Augmenter;
import dev.glyph.trainer.internal.loop.DeviceData;
import dev.glyph.trainer.internal.loop.Holdout;
import dev.glyph.trainer.internal.run.FinalCalibration;
import dev.glyph.trainer.internal.loop.EpochLoop;
import dev.glyph.trainer.internal.loop.TrainingStep;
import dev.glyph.trainer.internal.model.NativeNet;
import dev.glyph.trainer.internal.model.WeightInit;
import dev.glyph.trainer.internal.optim.LearningRates;
import dev.glyph.trainer.internal.optim.Optimizer;
import dev.glyph.trainer.internal.run.RunFolder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains MnistNet on DJL's PyTorch engine, seeded, resumable and reproducible, and writes a run folder
 * (metrics, plots, summary, provenance, checkpoint).
 *
 * <pre>{@code
 * TrainResult r = Trainer.train(TrainConfig.builder(Path.of("data/mnist"), Path.of("runs/a")).build(),
 *         new TrainListener() { });
 * System.out.println(r.last().valAcc());
 * }</pre>
 *
 * <p>The same seed, device and thread count give bit-identical parameters and metrics; a run resumed
 * after epoch k equals an uninterrupted one. Every tensor of a step stays on the training device
 * (the data set is preloaded there), and loss and accuracy are accumulated on the device and read
 * once per epoch.
 *
 * <p>Thread-safety: one training at a time per JVM (libtorch's thread count and RNG are global).
 */
public final class Trainer {

    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    /** The checkpoint folder inside a run folder. */
    public static final String CHECKPOINT_DIR = "checkpoint";

    private Trainer() {
    }

    /**
     * Runs (or, with {@code cfg.resume()}, continues) a training run.
     *
     * @throws TrainingException for bad data, an unavailable device or engine
     *     ({@link EngineUnavailableException}), an incompatible or corrupt checkpoint, or an unwritable run folder
     */
    public static synchronized TrainResult train(TrainConfig cfg, TrainListener listener) throws TrainingException {
        Objects.requireNonNull(listener, "listener");
        EngineInfo engine = TorchEngine.load(); // fails fast, before a data fetch, when libtorch is unavailable
        Path runDir = cfg.outDir();
        Path ckptFile = runDir.resolve(CHECKPOINT_DIR).resolve(CheckpointStore.FILE);
        CheckpointData resumeFrom = null;
        if (cfg.resume()) {
            resumeFrom = CheckpointStore.read(ckptFile);
            checkResumable(cfg, resumeFrom, ckptFile, runDir);
        } else if (Files.exists(ckptFile)) {
            throw new TrainingException("run folder " + runDir + " already holds a checkpoint (epoch data of an "
                    + "earlier run); pass --resume to continue it, or choose another --out");
        }
        Dataset data;
        try {
            data = Datasets.ensure(cfg.dataset(), cfg.dataDir());
        } catch (DataException e) {
            throw new TrainingException(e.getMessage(), e);
        }
        ImageSet train = cfg.limit() > 0 && cfg.limit() < data.train().count()
                ? data.train().first(cfg.limit()) : data.train();
        if (cfg.limit() > data.train().count()) {
            LOG.warn("--limit {} exceeds the {} training images; using all of them", cfg.limit(), data.train().count());
        }
        Device device = Devices.select(cfg.device(), engine.gpuCount());
        try {
            return run(cfg, listener, data, train, device, resumeFrom, ckptFile);
        } catch (IOException e) {
            throw new TrainingException("cannot write the run folder " + runDir + ": " + e.getMessage(), e);
        } catch (EngineException e) {
            throw new TrainingException("the PyTorch engine failed on " + device + ": " + e.getMessage(), e);
        }
    }

    private static void checkResumable(TrainConfig cfg, CheckpointData ck, Path file, Path runDir)
            throws TrainingException {
        Map<String, Object> want = cfg.identity();
        for (Map.Entry<String, Object> e : want.entrySet()) {
            Object had = ck.identity().get(e.getKey());
            if (!String.valueOf(e.getValue()).equals(String.valueOf(had))) {
                throw new TrainingException("cannot resume " + file + ": it was trained with " + e.getKey() + "="
                        + had + " but this run asks for " + e.getKey() + "=" + e.getValue()
                        + "; resume with the original options");
            }
        }
        // identity() leaves options at their default out (augment none, holdout 0): a checkpoint that has one
        // was trained with a non-default value this run does not ask for
        for (Map.Entry<String, Object> e : ck.identity().entrySet()) {
            if (!want.containsKey(e.getKey())) {
                throw new TrainingException("cannot resume " + file + ": it was trained with " + e.getKey() + "="
                        + e.getValue() + " but this run asks for the default (" + e.getKey()
                        + " off); resume with the original options");
            }
        }
        // a kill after the last epoch's checkpoint but before its provenance.json: --resume finishes those writes
        if (ck.epoch() >= cfg.epochs() && provenanceCurrent(runDir, ck.epoch())) {
            throw new TrainingException("nothing to resume: " + file + " already holds " + ck.epoch()
                    + " of the requested " + cfg.epochs() + " epochs; pass a larger --epochs to train further");
        }
    }

    private static boolean provenanceCurrent(Path runDir, int epochs) throws TrainingException {
        try {
            return RunFolder.provenanceCurrent(runDir, epochs);
        } catch (IOException e) {
            throw new TrainingException("cannot read " + runDir.resolve("provenance.json") + ": " + e.getMessage(), e);
        }
    }

    private static TrainResult run(TrainConfig cfg, TrainListener listener, Dataset data, ImageSet all,
            Device device, CheckpointData resumeFrom, Path ckptFile) throws IOException, TrainingException {
        Path runDir = cfg.outDir();
        Files.createDirectories(runDir);
        Holdout split;
        try {
            split = Holdout.of(all, cfg.holdout(), cfg.seed());
        } catch (IllegalArgumentException e) {
            throw new TrainingException(e.getMessage(), e);
        }
        ImageSet train = split.train();
        int threads = EngineSetup.configure(cfg.threads(), device);
        Engine engine = Engine.getEngine("PyTorch");
        int startEpoch = resumeFrom == null ? 1 : resumeFrom.epoch() + 1;
        double[] norm = resumeFrom != null ? resumeFrom.normalization()
                : cfg.normalize() ? DeviceData.meanStd(train) : null;
        RunFolder folder = new RunFolder(cfg, ckptFile, data, train.count(), device, threads, norm);
        folder.start(resumeFrom);
        boolean nothingToTrain = resumeFrom != null && startEpoch > cfg.epochs();
        if (!nothingToTrain) {
            listener.onStart(new TrainListener.RunInfo(device.toString(), "PyTorch " + engine.getVersion(),
                    Engine.getDjlVersion(), threads, train.count(), startEpoch, cfg.epochs()));
            LOG.info("training MnistNet on {} (PyTorch {} via DJL {}, {} intra-op threads), {} images x {} epochs, "
                    + "recipe {}, augment {}", device, engine.getVersion(), Engine.getDjlVersion(), threads,
                    train.count(), cfg.epochs(), cfg.recipe().id(), cfg.augment().spec());
        }
        ModelWeights init = resumeFrom == null ? WeightInit.pytorchDefault(cfg.seed())
                : new ModelWeights(resumeFrom.params());
        try (PtNDManager root = (PtNDManager) NDManager.newBaseManager(device, "PyTorch");
                NativeNet net = NativeNet.create(root, device, init, true)) {
            DeviceData d = DeviceData.upload(root, device, train, data.test(), norm);
            PtNDArray xHeld = split.heldOut().count() == 0 ? null
                    : DeviceData.images(root, device, split.heldOut(), norm);
            Augmenter augmenter = cfg.augment().isNone() ? null
                    : new Augmenter(cfg.augment(), cfg.seed(), norm == null ? 0 : -norm[0] / norm[1],
                            norm == null ? 1 : 1 / norm[1], device, root);
            Optimizer opt = Optimizer.create(cfg, net.parameters(), root);
            EpochLoop loop = new EpochLoop(cfg, net, opt, new TrainingStep(net, opt, root, cfg.batchSize(),
                    MnistNet.DROPOUT), d, augmenter, root);
            if (resumeFrom != null) {
                TrainingState.restore(opt, resumeFrom, lastLr(cfg, resumeFrom, loop.totalSteps()), device, root);
            } else {
                RunFolder.writeSummary(net, d.xTest(), cfg.batchSize(), runDir);
                if (augmenter == null) {
                    folder.writeSamples(train);
                } else {
                    folder.writeAugmentedSamples(train, augmentedSamples(augmenter, d, train, norm, root));
                }
            }
            folder.track(net, opt, () -> FinalCalibration.of(net, d.xTest(), data.test(), xHeld, split, root));
            List<EpochMetrics> metrics;
            if (nothingToTrain) {
                LOG.info("{} already holds {} epochs; wrote its provenance and metrics, nothing to train", ckptFile,
                        resumeFrom.epoch());
                metrics = resumeFrom.metrics();
                folder.finish(metrics);
            } else {
                metrics = loop.run(startEpoch, resumeFrom == null ? List.of() : resumeFrom.metrics(), listener,
                        folder);
            }
            ModelWeights trained = net.toWeights();
            ModelWeights eval = norm == null ? trained : WeightInit.foldNormalization(trained, norm[0], norm[1]);
            return new TrainResult(runDir, List.copyOf(metrics), eval);
        }
    }

    private static final int AUGMENTED_SAMPLES = 16;

    /** The first 16 training images as the augmenter makes them in epoch 1, back in bytes. */
    private static ImageSet augmentedSamples(Augmenter augmenter, DeviceData d, ImageSet train, double[] norm,
            PtNDManager root) {
        int n = Math.min(AUGMENTED_SAMPLES, train.count());
        long[] index = new long[n];
        for (int i = 0; i < n; i++) {
            index[i] = i;
        }
        try (PtNDManager m = (PtNDManager) root.newSubManager()) {
            float[] f = augmenter.apply(Torch.rows(d.xTrain(), 0, n, m), index, 0, n, 1, m).toFloatArray();
            byte[] px = new byte[f.length];
            for (int i = 0; i < f.length; i++) {
                double v = norm == null ? f[i] : f[i] * norm[1] + norm[0];
                px[i] = (byte) Math.max(0, Math.min(255, Math.round(v * 255)));
            }
            return new ImageSet(n, train.rows(), train.cols(), px, java.util.Arrays.copyOf(train.labels(), n));
        }
    }

    /**
     * The learning rate of a checkpoint's last update: recorded in it, or (older checkpoints) recomputed
     * from the schedule, which is exact unless a cosine run is resumed with another --epochs.
     */
    private static float lastLr(TrainConfig cfg, CheckpointData ck, long totalSteps) {
        if (!Float.isNaN(ck.lastLr()) || ck.optimizerSteps() == 0) {
            return ck.lastLr();
        }
        return LearningRates.at(cfg, ck.epoch(), ck.optimizerSteps() - 1, totalSteps);
    }
}
