package dev.glyph.trainer.internal.loop;

import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import dev.glyph.trainer.EpochMetrics;
import dev.glyph.trainer.TrainConfig;
import dev.glyph.trainer.TrainListener;
import dev.glyph.trainer.TrainingException;
import dev.glyph.trainer.internal.engine.Torch;
import dev.glyph.trainer.internal.model.NativeNet;
import dev.glyph.trainer.internal.optim.LearningRates;
import dev.glyph.trainer.internal.optim.Optimizer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The epoch loop: per epoch, re-seed libtorch's generator from (seed, epoch), gather the training set
 * in the epoch's seeded order, augment each batch when an {@link Augmenter} is given, run one
 * {@link TrainingStep} per batch, evaluate on the test set and
 * hand the epoch's metrics to the {@link Sink} (the run folder) and then the listener.
 *
 * <p>Thread-safety: not thread-safe; one training drives it.
 */
public final class EpochLoop {

    /** Receives every finished epoch before the listener does; it persists the run. */
    public interface Sink {
        /**
         * Epoch {@code m} finished; {@code all} holds every epoch so far, {@code m} last.
         *
         * @param lastLr the learning rate of the epoch's last update
         */
        void epochDone(EpochMetrics m, List<EpochMetrics> all, float lastLr) throws IOException;
    }

    private static final int EVAL_BATCH = 200; // keeps every activation under glibc's 32 MB mmap ceiling

    private final TrainConfig cfg;
    private final NativeNet net;
    private final Optimizer opt;
    private final TrainingStep step;
    private final DeviceData data;
    private final Augmenter augmenter;
    private final PtNDManager root;
    private final int n;
    private final int batches;
    private final long totalSteps;
    private float lastLr = Float.NaN;

    /**
     * A loop over {@code data}; {@code augmenter} (null for none) augments every training batch before its
     * step.
     */
    public EpochLoop(TrainConfig cfg, NativeNet net, Optimizer opt, TrainingStep step, DeviceData data,
            Augmenter augmenter, PtNDManager root) {
        this.cfg = cfg;
        this.augmenter = augmenter;
        this.net = net;
        this.opt = opt;
        this.step = step;
        this.data = data;
        this.root = root;
        this.n = (int) data.xTrain().getShape().get(0);
        this.batches = (n + cfg.batchSize() - 1) / cfg.batchSize();
        this.totalSteps = (long) batches * cfg.epochs();
    }

    /** Updates in the whole run ({@code cfg.epochs()} epochs). */
    public long totalSteps() {
        return totalSteps;
    }

    /**
     * Runs epochs {@code startEpoch..cfg.epochs()}, appending to {@code done} (the metrics of earlier
     * epochs when resuming).
     *
     * @throws TrainingException when the listener asks to stop; the last complete epoch stays saved
     */
    public List<EpochMetrics> run(int startEpoch, List<EpochMetrics> done, TrainListener listener, Sink sink)
            throws IOException, TrainingException {
        List<EpochMetrics> metrics = new ArrayList<>(done);
        for (int epoch = startEpoch; epoch <= cfg.epochs(); epoch++) {
            try (PtNDManager epochM = (PtNDManager) root.newSubManager()) {
                EpochMetrics m = epoch(epoch, listener, epochM);
                metrics.add(m);
                sink.epochDone(m, List.copyOf(metrics), lastLr);
                listener.onEpoch(m, cfg.epochs());
            }
        }
        return metrics;
    }

    private EpochMetrics epoch(int epoch, TrainListener listener, PtNDManager epochM) throws TrainingException {
        Torch.manualSeed(Seeds.torchSeed(cfg.seed(), epoch));
        long t0 = System.nanoTime();
        PtNDArray lossSum = (PtNDArray) epochM.zeros(new Shape(), DataType.FLOAT32);
        PtNDArray correct = (PtNDArray) epochM.zeros(new Shape(), DataType.INT64);
        long[] order = Seeds.permutation(cfg.seed(), epoch, n);
        PtNDArray perm = (PtNDArray) epochM.create(order);
        PtNDArray xe = (PtNDArray) data.xTrain().get(new NDIndex("{}", perm));
        PtNDArray ye = (PtNDArray) data.yTrain().get(new NDIndex("{}", perm));
        xe.attach(epochM);
        ye.attach(epochM);
        long seen = 0;
        for (int b = 0; b < batches; b++) {
            int from = b * cfg.batchSize();
            int bs = Math.min(cfg.batchSize(), n - from);
            lastLr = LearningRates.at(cfg, epoch, opt.steps(), totalSteps);
            try (PtNDManager s = (PtNDManager) epochM.newSubManager()) {
                PtNDArray xb = Torch.rows(xe, from, from + bs, s);
                if (augmenter != null) {
                    xb = augmenter.apply(xb, order, from, bs, epoch, s);
                }
                step.run(xb, Torch.rows(ye, from, from + bs, s), bs, lastLr, lossSum, correct, s);
            }
            seen += bs;
            final long seenNow = seen;
            listener.onBatch(epoch, b + 1, batches, seen, System.nanoTime() - t0, () -> lossSum.getFloat() / seenNow);
            if (listener.stopRequested()) {
                throw stopped(epoch);
            }
        }
        double trainLoss = lossSum.getFloat() / n; // the epoch's only reads from the device
        double trainAcc = 100.0 * correct.getLong() / n;
        double seconds = (System.nanoTime() - t0) / 1e9;
        double[] val = evaluate(net, data.xTest(), data.yTest(), epochM);
        return new EpochMetrics(epoch, trainLoss, trainAcc, val[0], val[1], seconds, n / seconds);
    }

    private TrainingException stopped(int epoch) {
        return new TrainingException("stopped on request during epoch " + epoch + "; " + cfg.outDir()
                + " keeps " + (epoch - 1) + " complete epoch(s)" + (epoch > 1 ? ", continue with --resume" : ""));
    }

    /** Eval-mode log-probabilities of {@code net} on {@code x}, read back to the host, one row per image. */
    public static float[][] logProbs(NativeNet net, PtNDArray x, PtNDManager parent) {
        long count = x.getShape().get(0);
        float[][] rows = new float[(int) count][];
        try (Torch.GradMode g = Torch.noGrad(); PtNDManager m = (PtNDManager) parent.newSubManager()) {
            for (long from = 0; from < count; from += EVAL_BATCH) {
                long to = Math.min(count, from + EVAL_BATCH);
                try (PtNDManager s = (PtNDManager) m.newSubManager()) {
                    float[] f = net.forward(Torch.rows(x, from, to, s), null, s).toFloatArray();
                    int classes = f.length / (int) (to - from);
                    for (int i = 0; i < to - from; i++) {
                        rows[(int) from + i] = java.util.Arrays.copyOfRange(f, i * classes, (i + 1) * classes);
                    }
                }
            }
        }
        return rows;
    }

    /** Eval-mode mean NLL and accuracy (percent) of {@code net} on {@code x}, {@code y}. */
    static double[] evaluate(NativeNet net, PtNDArray x, PtNDArray y, PtNDManager parent) {
        try (Torch.GradMode g = Torch.noGrad(); PtNDManager m = (PtNDManager) parent.newSubManager()) {
            PtNDArray nll = (PtNDArray) m.zeros(new Shape(), DataType.FLOAT32);
            PtNDArray correct = (PtNDArray) m.zeros(new Shape(), DataType.INT64);
            long count = x.getShape().get(0);
            for (long from = 0; from < count; from += EVAL_BATCH) {
                long to = Math.min(count, from + EVAL_BATCH);
                try (PtNDManager s = (PtNDManager) m.newSubManager()) {
                    PtNDArray yb = Torch.rows(y, from, to, s);
                    PtNDArray logp = net.forward(Torch.rows(x, from, to, s), null, s);
                    nll.subi(Torch.sum(Torch.pick(logp, yb)));
                    correct.addi(Torch.countCorrect(logp, yb));
                }
            }
            return new double[] {nll.getFloat() / count, 100.0 * correct.getLong() / count};
        }
    }
}
