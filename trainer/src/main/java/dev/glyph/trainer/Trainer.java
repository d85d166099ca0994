package dev.glyph.trainer;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.JniUtils;
import dev.glyph.datasets.DataException;
import dev.glyph.datasets.Dataset;
import dev.glyph.datasets.Datasets;
import dev.glyph.datasets.ImageSet;
import dev.glyph.trainer.internal.CheckpointData;
import dev.glyph.trainer.internal.CheckpointStore;
import dev.glyph.trainer.internal.EngineSetup;
import dev.glyph.trainer.internal.NativeNet;
import dev.glyph.trainer.internal.Optimizer;
import dev.glyph.trainer.internal.Provenance;
import dev.glyph.trainer.internal.RunFiles;
import dev.glyph.trainer.internal.Seeds;
import dev.glyph.trainer.internal.WeightInit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
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
    private static final int EVAL_BATCH = 200; // keeps every activation under glibc's 32 MB mmap ceiling
    private static final float MNIST_SCALE = 1f / 255f;

    private Trainer() {
    }

    /**
     * Runs (or, with {@code cfg.resume()}, continues) a training run.
     *
     * @throws TrainingException for bad data, an unavailable device, an incompatible or corrupt
     *     checkpoint, or an unwritable run folder
     */
    public static synchronized TrainResult train(TrainConfig cfg, TrainListener listener) throws TrainingException {
        Objects.requireNonNull(listener, "listener");
        EngineSetup.prepare();
        Path runDir = cfg.outDir();
        Path ckptFile = runDir.resolve(CHECKPOINT_DIR).resolve(CheckpointStore.FILE);
        CheckpointData resumeFrom = null;
        if (cfg.resume()) {
            resumeFrom = CheckpointStore.read(ckptFile);
            checkResumable(cfg, resumeFrom, ckptFile);
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
        Device device = Devices.select(cfg.device(), Devices.gpuCount());
        try {
            return run(cfg, listener, data, train, device, resumeFrom, ckptFile);
        } catch (IOException e) {
            throw new TrainingException("cannot write the run folder " + runDir + ": " + e.getMessage(), e);
        } catch (EngineException e) {
            throw new TrainingException("the PyTorch engine failed on " + device + ": " + e.getMessage(), e);
        }
    }

    private static void checkResumable(TrainConfig cfg, CheckpointData ck, Path file) throws TrainingException {
        Map<String, Object> want = cfg.identity();
        for (Map.Entry<String, Object> e : want.entrySet()) {
            Object had = ck.identity().get(e.getKey());
            if (!String.valueOf(e.getValue()).equals(String.valueOf(had))) {
                throw new TrainingException("cannot resume " + file + ": it was trained with " + e.getKey() + "="
                        + had + " but this run asks for " + e.getKey() + "=" + e.getValue()
                        + "; resume with the original options");
            }
        }
        if (ck.epoch() >= cfg.epochs()) {
            throw new TrainingException("nothing to resume: " + file + " already holds " + ck.epoch()
                    + " of the requested " + cfg.epochs() + " epochs; pass a larger --epochs to train further");
        }
    }

    private static TrainResult run(TrainConfig cfg, TrainListener listener, Dataset data, ImageSet train,
            Device device, CheckpointData resumeFrom, Path ckptFile) throws IOException, TrainingException {
        Path runDir = cfg.outDir();
        Files.createDirectories(runDir);
        if (cfg.threads() > 0) {
            JniUtils.setNumThreads(cfg.threads());
        }
        JniUtils.setBenchmarkCuDNN(false); // deterministic algorithm choice on cuDNN
        Engine engine = Engine.getEngine("PyTorch");
        int threads = JniUtils.getNumThreads();
        String started = Instant.now().toString();
        String gitCommit = Provenance.gitCommit();
        int startEpoch = resumeFrom == null ? 1 : resumeFrom.epoch() + 1;
        listener.onStart(new TrainListener.RunInfo(device.toString(), "PyTorch " + engine.getVersion(),
                Engine.getDjlVersion(), threads, train.count(), startEpoch, cfg.epochs()));
        LOG.info("training MnistNet on {} (PyTorch {} via DJL {}, {} intra-op threads), {} images x {} epochs",
                device, engine.getVersion(), Engine.getDjlVersion(), threads, train.count(), cfg.epochs());

        double[] norm = resumeFrom != null ? resumeFrom.normalization()
                : cfg.normalize() ? meanStd(train) : null;
        List<EpochMetrics> metrics = new ArrayList<>(resumeFrom == null ? List.of() : resumeFrom.metrics());
        ModelWeights init = resumeFrom == null ? WeightInit.pytorchDefault(cfg.seed())
                : new ModelWeights(resumeFrom.params());
        if (resumeFrom == null) {
            Plots.writeSamplesGrid(train, 32, runDir.resolve("samples.png"));
        }

        boolean gradMode = JniUtils.isGradMode();
        try (PtNDManager root = (PtNDManager) NDManager.newBaseManager(device, "PyTorch");
                NativeNet net = NativeNet.create(root, device, init, true)) {
            PtNDArray xTrain = images(root, device, train, norm);
            PtNDArray yTrain = labels(root, device, train);
            PtNDArray xTest = images(root, device, data.test(), norm);
            PtNDArray yTest = labels(root, device, data.test());
            Optimizer opt = Optimizer.create(cfg, net.parameters(), root);
            if (resumeFrom != null) {
                restoreOptimizer(opt, resumeFrom, device, root);
            }
            if (resumeFrom == null) {
                writeSummary(net, xTest, cfg.batchSize(), runDir);
            }
            int n = train.count();
            int batches = (n + cfg.batchSize() - 1) / cfg.batchSize();
            long totalSteps = (long) batches * cfg.epochs();
            GradSeed seed = new GradSeed(root);
            PtNDArray fullMask = (PtNDArray) root.ones(new Shape(cfg.batchSize(), 64, 1, 1));
            for (int epoch = startEpoch; epoch <= cfg.epochs(); epoch++) {
                JniUtils.setSeed(Seeds.torchSeed(cfg.seed(), epoch));
                long t0 = System.nanoTime();
                PtNDArray lossSum = (PtNDArray) root.zeros(new Shape(), DataType.FLOAT32);
                PtNDArray correct = (PtNDArray) root.zeros(new Shape(), DataType.INT64);
                try (PtNDManager epochM = (PtNDManager) root.newSubManager()) {
                    lossSum.attach(epochM);
                    correct.attach(epochM);
                    PtNDArray perm = (PtNDArray) epochM.create(Seeds.permutation(cfg.seed(), epoch, n));
                    PtNDArray xe = (PtNDArray) xTrain.get(new NDIndex("{}", perm));
                    PtNDArray ye = (PtNDArray) yTrain.get(new NDIndex("{}", perm));
                    xe.attach(epochM);
                    ye.attach(epochM);
                    long seen = 0;
                    for (int b = 0; b < batches; b++) {
                        int from = b * cfg.batchSize();
                        int bs = Math.min(cfg.batchSize(), n - from);
                        float lr = learningRate(cfg, epoch, opt.steps(), totalSteps);
                        try (PtNDManager step = (PtNDManager) epochM.newSubManager()) {
                            PtNDArray x = JniUtils.slice(xe, 0, from, from + bs, 1);
                            x.attach(step);
                            PtNDArray y = JniUtils.slice(ye, 0, from, from + bs, 1);
                            y.attach(step);
                            PtNDArray ones = bs == cfg.batchSize() ? fullMask
                                    : (PtNDArray) step.ones(new Shape(bs, 64, 1, 1));
                            JniUtils.setGradMode(true);
                            PtNDArray mask = JniUtils.dropout(ones, MnistNet.DROPOUT, true);
                            mask.attach(step);
                            PtNDArray logp = net.forward(x, mask, step);
                            PtNDArray picked = JniUtils.gather(logp, JniUtils.reshape(y, new long[] {bs, 1}), 1);
                            PtNDArray loss = JniUtils.neg(JniUtils.mean(picked));
                            JniUtils.backward(loss, seed.of(opt.gradientScale(lr)), false, false);
                            JniUtils.setGradMode(false);
                            lossSum.subi(JniUtils.sum(picked)); // grad mode is off: no graph, no host sync
                            PtNDArray pred = JniUtils.argMax(logp, 1, false);
                            correct.addi(JniUtils.sum(JniUtils.eq(pred, y)));
                            opt.step(net.parameters(), lr, step);
                        } finally {
                            JniUtils.setGradMode(gradMode);
                        }
                        seen += bs;
                        final long seenNow = seen;
                        listener.onBatch(epoch, b + 1, batches, seen, System.nanoTime() - t0,
                                () -> lossSum.getFloat() / seenNow);
                        if (listener.stopRequested()) {
                            throw new TrainingException("stopped on request during epoch " + epoch + "; " + runDir
                                    + " keeps " + (epoch - 1) + " complete epoch(s)"
                                    + (epoch > 1 ? ", continue with --resume" : ""));
                        }
                    }
                    double trainLoss = lossSum.getFloat() / n; // the epoch's only reads from the device
                    double trainAcc = 100.0 * correct.getLong() / n;
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    double[] val = evaluate(net, xTest, yTest, epochM);
                    EpochMetrics m = new EpochMetrics(epoch, trainLoss, trainAcc, val[0], val[1], seconds, n / seconds);
                    metrics.add(m);
                    saveEpoch(cfg, net, opt, metrics, norm, ckptFile);
                    Map<String, Object> prov = Provenance.of(cfg, data, train.count(), device, threads, started,
                            Instant.now().toString(), gitCommit, metrics, norm);
                    RunFiles.writeProvenance(runDir, prov);
                    RunFiles.writeMetrics(runDir, metrics);
                    Plots.writeLossPlot(metrics, runDir.resolve("loss.png"));
                    Plots.writeAccuracyPlot(metrics, runDir.resolve("accuracy.png"));
                    listener.onEpoch(m, cfg.epochs());
                }
            }
            ModelWeights trained = net.toWeights();
            ModelWeights eval = norm == null ? trained : WeightInit.foldNormalization(trained, norm[0], norm[1]);
            return new TrainResult(runDir, List.copyOf(metrics), eval);
        }
    }

    /** Caches the scalar that seeds backpropagation, re-creating it only when its value changes. */
    private static final class GradSeed {
        private final PtNDManager manager;
        private PtNDArray value;
        private float current = Float.NaN;

        GradSeed(PtNDManager manager) {
            this.manager = manager;
        }

        PtNDArray of(float v) {
            if (v != current) {
                if (value != null) {
                    value.close();
                }
                value = (PtNDArray) manager.create(v);
                current = v;
            }
            return value;
        }
    }

    /** Learning rate for the next update. */
    static float learningRate(TrainConfig cfg, int epoch, long stepsDone, long totalSteps) {
        return switch (cfg.schedule()) {
            case CONSTANT -> (float) cfg.lr();
            case STEP -> (float) (cfg.lr() * Math.pow(cfg.lrGamma(), epoch - 1));
            case COSINE -> (float) (cfg.lr() * 0.5 * (1 + Math.cos(Math.PI * Math.min(stepsDone, totalSteps) / totalSteps)));
        };
    }

    private static double[] evaluate(NativeNet net, PtNDArray x, PtNDArray y, PtNDManager parent) {
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (PtNDManager m = (PtNDManager) parent.newSubManager()) {
            PtNDArray nll = (PtNDArray) m.zeros(new Shape(), DataType.FLOAT32);
            PtNDArray correct = (PtNDArray) m.zeros(new Shape(), DataType.INT64);
            long n = x.getShape().get(0);
            for (long from = 0; from < n; from += EVAL_BATCH) {
                long to = Math.min(n, from + EVAL_BATCH);
                try (PtNDManager step = (PtNDManager) m.newSubManager()) {
                    PtNDArray xb = JniUtils.slice(x, 0, from, to, 1);
                    xb.attach(step);
                    PtNDArray yb = JniUtils.slice(y, 0, from, to, 1);
                    yb.attach(step);
                    PtNDArray logp = net.forward(xb, null, step);
                    PtNDArray picked = JniUtils.gather(logp, JniUtils.reshape(yb, new long[] {to - from, 1}), 1);
                    nll.subi(JniUtils.sum(picked));
                    correct.addi(JniUtils.sum(JniUtils.eq(JniUtils.argMax(logp, 1, false), yb)));
                }
            }
            return new double[] {nll.getFloat() / n, 100.0 * correct.getLong() / n};
        } finally {
            JniUtils.setGradMode(was);
        }
    }

    private static void writeSummary(NativeNet net, PtNDArray xTest, int batch, Path runDir) throws IOException {
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try (PtNDManager step = (PtNDManager) net.manager().newSubManager()) {
            PtNDArray x = JniUtils.slice(xTest, 0, 0, Math.min(batch, xTest.getShape().get(0)), 1);
            x.attach(step);
            dev.glyph.modelformat.AtomicFiles.writeString(runDir.resolve("summary.txt"),
                    "MnistNet (input [" + batch + ", 1, 28, 28] float32, pixel/255)\n"
                    + RunFiles.summary(net.layerShapes(x, step)));
        } finally {
            JniUtils.setGradMode(was);
        }
    }

    private static void saveEpoch(TrainConfig cfg, NativeNet net, Optimizer opt, List<EpochMetrics> metrics,
            double[] norm, Path file) throws IOException {
        List<Tensor> state = new ArrayList<>();
        PtNDArray[] params = net.parameters();
        for (int i = 0; i < params.length; i++) {
            String name = MnistNet.PARAMETERS.get(i).name();
            for (Map.Entry<String, PtNDArray> e : opt.state().get(i).entrySet()) {
                state.add(new Tensor(name + "#" + e.getKey(), e.getValue().getShape().getShape(),
                        NativeNet.download(e.getValue())));
            }
        }
        CheckpointData d = new CheckpointData(metrics.get(metrics.size() - 1).epoch(), opt.steps(), cfg.identity(),
                List.copyOf(metrics), norm, net.toWeights().tensors(), state);
        CheckpointStore.write(file, d);
    }

    private static void restoreOptimizer(Optimizer opt, CheckpointData ck, Device device, PtNDManager root)
            throws CheckpointException {
        Map<String, Tensor> byName = new java.util.HashMap<>();
        for (Tensor t : ck.optimizerState()) {
            byName.put(t.name(), t);
        }
        for (int i = 0; i < opt.state().size(); i++) {
            String name = MnistNet.PARAMETERS.get(i).name();
            for (Map.Entry<String, PtNDArray> e : opt.state().get(i).entrySet()) {
                Tensor t = byName.remove(name + "#" + e.getKey());
                if (t == null) {
                    throw new CheckpointException("checkpoint lacks optimizer state " + name + "#" + e.getKey()
                            + " needed to resume");
                }
                e.getValue().close();
                e.setValue(NativeNet.upload(root, device, t.data(), new Shape(t.shape())));
            }
        }
        if (!byName.isEmpty()) {
            throw new CheckpointException("checkpoint has optimizer state " + byName.keySet()
                    + " that this optimizer does not use; resume with the original --optimizer");
        }
        opt.setSteps(ck.optimizerSteps());
    }

    private static PtNDArray images(PtNDManager m, Device device, ImageSet set, double[] norm) {
        int px = set.rows() * set.cols();
        float[] f = new float[set.count() * px];
        byte[] raw = set.images();
        float mean = norm == null ? 0f : (float) norm[0];
        float inv = norm == null ? 1f : (float) (1 / norm[1]);
        for (int i = 0; i < f.length; i++) {
            f[i] = ((raw[i] & 0xff) * MNIST_SCALE - mean) * inv;
        }
        return NativeNet.upload(m, device, f, new Shape(set.count(), 1, set.rows(), set.cols()));
    }

    private static PtNDArray labels(PtNDManager m, Device device, ImageSet set) {
        long[] l = new long[set.count()];
        for (int i = 0; i < l.length; i++) {
            l[i] = set.labels()[i];
        }
        return (PtNDArray) m.create(l).toDevice(device, false);
    }

    private static double[] meanStd(ImageSet set) {
        double sum = 0;
        double sq = 0;
        byte[] raw = set.images();
        for (byte b : raw) {
            double v = (b & 0xff) / 255.0;
            sum += v;
            sq += v * v;
        }
        double mean = sum / raw.length;
        return new double[] {mean, Math.sqrt(Math.max(sq / raw.length - mean * mean, 1e-12))};
    }
}
