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
import dev.glyph.trainer.internal.checkpoint.CheckpointData;
import dev.glyph.trainer.internal.checkpoint.CheckpointStore;
import dev.glyph.trainer.internal.checkpoint.TrainingState;
import dev.glyph.trainer.internal.engine.Torch;
import dev.glyph.trainer.internal.loop.EpochLoop;
import dev.glyph.trainer.internal.model.NativeNet;
import dev.glyph.trainer.internal.optim.Optimizer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run folder as the sink of a training: samples.png and summary.txt when a run starts, and after
 * every epoch the checkpoint (first, so a crash never leaves metrics ahead of it), provenance.json,
 * metrics.json/.csv and the loss and accuracy plots. Every file is written atomically.
 *
 * <p>A kill can land between two of those writes. {@link #start} repairs what it leaves: it deletes the
 * temporary checkpoint files of killed writers, and a resumed run first rewrites provenance.json and
 * the metrics from the checkpoint it continues, so a checkpoint is never left without the provenance
 * that {@code TrainedRun.open} (and so {@code glyph export}) needs once {@code --resume} has run.
 *
 * <p>Thread-safety: not thread-safe; one training drives it.
 */
public final class RunFolder implements EpochLoop.Sink {

    private static final Logger LOG = LoggerFactory.getLogger(RunFolder.class);

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
    private java.util.function.Supplier<Map<String, Object>> finalFigures = Map::of;

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

    /**
     * Prepares the folder when a run starts or resumes: deletes the temporary checkpoint files that
     * killed writers left behind, and on a resume ({@code resumeFrom} not null) writes provenance.json,
     * metrics.json/.csv and the plots for the checkpoint's epochs (a kill between the checkpoint's rename
     * and those writes leaves them missing or one epoch behind).
     */
    public void start(CheckpointData resumeFrom) throws IOException {
        for (Path stale : AtomicFiles.deleteStaleTemporaryFiles(checkpoint)) {
            LOG.info("deleted {}, the temporary checkpoint file of an interrupted write", stale);
        }
        if (resumeFrom != null) {
            writeEpochFiles(resumeFrom.metrics());
        }
    }

    /**
     * Whether provenance.json of {@code runDir} exists and describes {@code epochs} completed epochs,
     * that is, whether the epoch-end writes after that epoch's checkpoint all happened.
     */
    public static boolean provenanceCurrent(Path runDir, int epochs) throws IOException {
        try {
            JsonNode p = RunFiles.JSON.readTree(Files.readString(runDir.resolve("provenance.json")));
            // the last epoch's provenance also holds the calibration figures, written after its checkpoint
            return p != null && p.path("epochs_completed").asInt(-1) == epochs && p.has("ece_test");
        } catch (NoSuchFileException e) {
            return false;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return false;
        }
    }

    /** Writes samples.png, the first 32 training images. */
    public void writeSamples(ImageSet train) throws IOException {
        Plots.writeSamplesGrid(train, 32, dir.resolve("samples.png"));
    }

    /**
     * Writes samples.png with augmentation on: each of the first 16 training images beside its augmented form in
     * epoch 1 ({@code augmented} holds those 16, as the augmenter made them).
     */
    public void writeAugmentedSamples(ImageSet train, ImageSet augmented) throws IOException {
        int n = augmented.count();
        int px = train.pixelsPerImage();
        byte[] img = new byte[2 * n * px];
        byte[] lab = new byte[2 * n];
        List<String> captions = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            System.arraycopy(train.images(), i * px, img, 2 * i * px, px);
            System.arraycopy(augmented.images(), i * px, img, (2 * i + 1) * px, px);
            lab[2 * i] = (byte) train.label(i);
            lab[2 * i + 1] = (byte) train.label(i);
            captions.add(train.label(i) + "");
            captions.add(train.label(i) + " aug");
        }
        Plots.writeCaptionedGrid(new ImageSet(2 * n, train.rows(), train.cols(), img, lab), captions,
                dir.resolve("samples.png"));
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

    /**
     * Names the network and optimiser whose state each epoch's checkpoint saves, and what measures the
     * finished run's calibration (see {@link FinalCalibration}) for the last epoch's provenance.
     */
    public void track(NativeNet net, Optimizer opt, java.util.function.Supplier<Map<String, Object>> finalFigures) {
        this.net = net;
        this.opt = opt;
        this.finalFigures = finalFigures;
    }

    @Override
    public void epochDone(EpochMetrics m, List<EpochMetrics> all, float lastLr) throws IOException {
        CheckpointStore.write(checkpoint, TrainingState.capture(cfg, net, opt, lastLr, all, norm));
        writeEpochFiles(all);
    }

    /**
     * Writes the last epoch's files again with the calibration figures, for a resumed run whose checkpoint
     * already holds every epoch (a kill landed after its checkpoint, before its provenance).
     */
    public void finish(List<EpochMetrics> all) throws IOException {
        writeEpochFiles(all);
    }

    private void writeEpochFiles(List<EpochMetrics> all) throws IOException {
        boolean last = !all.isEmpty() && all.get(all.size() - 1).epoch() >= cfg.epochs();
        Map<String, Object> prov = Provenance.of(cfg, data, trainImages, device, threads, started,
                Instant.now().toString(), gitCommit, all, norm, last && net != null ? finalFigures.get() : Map.of());
        RunFiles.writeProvenance(dir, prov);
        RunFiles.writeMetrics(dir, all);
        Plots.writeLossPlot(all, dir.resolve("loss.png"));
        Plots.writeAccuracyPlot(all, dir.resolve("accuracy.png"));
    }
}
