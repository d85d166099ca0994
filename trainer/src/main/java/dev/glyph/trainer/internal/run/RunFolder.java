package dev.glyph.trainer.internal.run;

import ai.djl.Device;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import dev.glyph.modelformat.AtomicFiles;
import dev.glyph.datasets.Dataset;
import dev.glyph.trainer.EpochMetrics;
import dev.glyph.datasets.ImageSet;
import dev.glyph.trainer.Plots;
import dev.glyph.trainer.TrainConfig;
import dev.glyph.trainer.internal.checkpoint.CheckpointStore;
import dev.glyph.trainer.internal.checkpoint.TrainingState;
import dev.glyph.trainer.internal.engine.Torch;
import dev.glyph.trainer.internal.loop.EpochLoop;
import dev.glyph.trainer.internal.model.NativeNet;
import dev.glyph.trainer.internal.optim.Optimizer;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The run folder as the sink of a training: samples.png and summary.txt when a run starts, and after
 * every epoch the checkpoint (first, so a crash never leaves metrics ahead of it), provenance.json,
 * metrics.json/.csv and the loss and accuracy plots. Every file is written atomically.
 *
 * <p>Thread-safety: not thread-safe; one training drives it.
 */
public final class RunFolder implements EpochLoop.Sink {

    private final TrainConfig cfg;
    private final Path dir;
    private final Path checkpoint;
    private final Dataset data;
    private final int trainImages;
    private final Device device;
    private final int threads;
    private final String started;
    private final String gitCommit;
    private final double[] norm;
    private NativeNet net;
    private Optimizer opt;

    /**
     * A sink for {@code cfg.outDir()}; {@code started} and the git commit are fixed when the run
     * starts.
     */
    public RunFolder(TrainConfig cfg, Path checkpoint, Dataset data, int trainImages, Device device, int threads,
            double[] norm) {
        this.cfg = cfg;
        this.dir = cfg.outDir();
        this.checkpoint = checkpoint;
        this.data = data;
        this.trainImages = trainImages;
        this.device = device;
        this.threads = threads;
        this.norm = norm;
        this.started = Instant.now().toString();
        this.gitCommit = Provenance.gitCommit();
    }

    /** Writes samples.png, the first 32 training images. */
    public void writeSamples(ImageSet train) throws IOException {
        Plots.writeSamplesGrid(train, 32, dir.resolve("samples.png"));
    }

    /** Writes summary.txt from the layer shapes of an eval-mode forward pass on one batch of {@code x}. */
    public static void writeSummary(NativeNet net, PtNDArray x, int batch, Path dir) throws IOException {
        try (Torch.GradMode g = Torch.noGrad(); PtNDManager step = (PtNDManager) net.manager().newSubManager()) {
            PtNDArray xb = Torch.rows(x, 0, Math.min(batch, x.getShape().get(0)), step);
            AtomicFiles.writeString(dir.resolve("summary.txt"),
                    "MnistNet (input [" + batch + ", 1, 28, 28] float32, pixel/255)\n"
                    + RunFiles.summary(net.layerShapes(xb, step)));
        }
    }

    /** Names the network and optimiser whose state each epoch's checkpoint saves. */
    public void track(NativeNet net, Optimizer opt) {
        this.net = net;
        this.opt = opt;
    }

    @Override
    public void epochDone(EpochMetrics m, List<EpochMetrics> all, float lastLr) throws IOException {
        CheckpointStore.write(checkpoint, TrainingState.capture(cfg, net, opt, lastLr, all, norm));
        Map<String, Object> prov = Provenance.of(cfg, data, trainImages, device, threads, started,
                Instant.now().toString(), gitCommit, all, norm);
        RunFiles.writeProvenance(dir, prov);
        RunFiles.writeMetrics(dir, all);
        Plots.writeLossPlot(all, dir.resolve("loss.png"));
        Plots.writeAccuracyPlot(all, dir.resolve("accuracy.png"));
    }
}
