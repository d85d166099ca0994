package dev.glyph.cli;

import dev.glyph.datasets.Datasets;
import dev.glyph.trainer.DeviceChoice;
import dev.glyph.trainer.DeviceUnavailableException;
import dev.glyph.trainer.EpochMetrics;
import dev.glyph.trainer.LrSchedule;
import dev.glyph.trainer.OptimizerKind;
import dev.glyph.trainer.TrainConfig;
import dev.glyph.trainer.TrainResult;
import dev.glyph.trainer.Trainer;
import dev.glyph.trainer.TrainingException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code glyph train}: trains MnistNet and writes a run folder (metrics.json/csv, loss.png,
 * accuracy.png, samples.png, summary.txt, provenance.json, checkpoint/). Defaults are the reference
 * tutorial's; see {@link TrainConfig}.
 *
 * <p>The data folder is fetched into only when it is the default {@code data/<dataset>} or
 * {@code --fetch} is given; any other missing or empty {@code --data} folder is an error that says
 * how to fetch it.
 *
 * <p>Exit 0 on success, 1 on a data, checkpoint or engine failure, 2 on a usage error (including
 * {@code --device gpu} without a GPU).
 *
 * <p>Thread-safety: one invocation per instance.
 */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train MnistNet on DJL's PyTorch engine (GPU when present, else CPU).",
            "Defaults reproduce the reference tutorial: 2 epochs, batch 32, SGD lr 0.01, seed 0."})
public final class TrainCommand extends GlyphSubcommand {

    @Option(names = "--data", paramLabel = "DIR",
            description = "IDX folder (default: data/<dataset>, fetched there when missing or empty).")
    Path data;

    @Option(names = "--fetch", description = "Fetch the dataset into --data when that folder is missing or empty.")
    boolean fetch;

    @Option(names = "--out", paramLabel = "DIR", description = "Run folder (default: runs/<dataset>-<timestamp>).")
    Path out;

    @Mixin
    SharedOptions.DatasetName dataset;

    @Option(names = "--epochs", defaultValue = "2", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Mixin
    SharedOptions.BatchSize batchSize;

    @Option(names = "--lr", defaultValue = "0.01", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--optimizer", defaultValue = "sgd", paramLabel = "NAME",
            description = "sgd, momentum, adam or adadelta (default: ${DEFAULT-VALUE}).")
    OptimizerKind optimizer;

    @Option(names = "--momentum", defaultValue = "0.9", description = "Momentum for --optimizer momentum (default: ${DEFAULT-VALUE}).")
    double momentum;

    @Option(names = "--lr-schedule", defaultValue = "constant", paramLabel = "NAME",
            description = "constant, step (x gamma every epoch) or cosine (per batch) (default: ${DEFAULT-VALUE}).")
    LrSchedule schedule;

    @Option(names = "--lr-gamma", defaultValue = "0.7", description = "Per-epoch factor of --lr-schedule step (default: ${DEFAULT-VALUE}).")
    double lrGamma;

    @Option(names = "--seed", defaultValue = "0", description = "Seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", defaultValue = "0",
            description = "Intra-op CPU threads, 0 = one per core (default: ${DEFAULT-VALUE}). Results are bit-identical for the same seed, device and thread count.")
    int threads;

    @Mixin
    DeviceOption.AutoDefault device;

    @Option(names = "--limit", defaultValue = "0", paramLabel = "N",
            description = "Train on the first N training images only, 0 = all (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--normalize",
            description = "Standardise inputs during training; folded into conv1 so exported models still take pixel/255.")
    boolean normalize;

    @Mixin
    SharedOptions.EngineDownload engineDownload;

    @Option(names = "--resume", description = "Continue the run in --out from its last complete epoch.")
    boolean resume;

    @Option(names = "--overwrite", description = "Delete an existing run in --out and start again.")
    boolean overwrite;

    @Override
    public Integer call() {
        if (resume && overwrite) {
            return fail("--resume and --overwrite contradict each other; choose one", 2);
        }
        if (resume && out == null) {
            return fail("--resume needs --out, the run folder to continue", 2);
        }
        String dataset = this.dataset.name;
        Path runDir = out != null ? out
                : Path.of("runs", dataset + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        TrainConfig cfg;
        try {
            cfg = TrainConfig.builder(data != null ? data : Path.of("data", dataset), runDir)
                    .dataset(dataset).epochs(epochs).batchSize(batchSize.value).lr(lr).optimizer(optimizer)
                    .momentum(momentum).schedule(schedule).lrGamma(lrGamma).seed(seed).threads(threads)
                    .device(device.value().forTrainer()).limit(limit).normalize(normalize).resume(resume).build();
        } catch (IllegalArgumentException e) {
            return fail(e.getMessage(), 2);
        }
        String noData = fetch ? null : noDataProblem(cfg.dataDir(), dataset);
        if (noData != null) {
            return fail(noData, 1);
        }
        if (Datasets.missing(cfg.dataDir()).size() == Datasets.FILES.size()) {
            out().println("fetching " + dataset + " into " + cfg.dataDir() + " first (`glyph fetch` does the same)");
            out().flush();
        }
        if (overwrite) {
            try {
                deleteRun(runDir);
            } catch (IOException e) {
                return fail("cannot clear " + runDir + ": " + e.getMessage(), 1);
            }
        }
        return run(cfg);
    }

    /** Trains with console progress; returns the exit code. */
    int run(TrainConfig cfg) {
        PrintWriter out = out();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        ConsoleProgress progress = new ConsoleProgress(out, System.console() != null) {
            @Override
            public boolean stopRequested() {
                return stop.get();
            }
        };
        // Ctrl-C / SIGTERM stop after the current batch instead of killing the JVM inside libtorch
        try (AutoCloseable signals = Signals.installScoped(() -> stop.set(true))) {
            TrainResult r = Trainer.train(cfg, progress);
            EpochMetrics last = r.last();
            out.printf("done: test accuracy %.2f %% after %d epochs; run folder %s%n", last.valAcc(), last.epoch(),
                    r.runDir());
            out.flush();
            return 0;
        } catch (DeviceUnavailableException e) {
            progress.finishLine();
            return fail(Errors.oneLine(e), 2);
        } catch (TrainingException e) {
            progress.finishLine();
            return fail(e);
        } catch (Exception e) {
            return fail(e);
        }
    }

    /**
     * Why training cannot start on {@code dir} without fetching, or {@code null} if it can: a folder
     * other than the default {@code data/<dataset>} is never fetched into unless {@code --fetch} is
     * given, so a mistyped {@code --data} is reported instead of silently filled with a download.
     */
    static String noDataProblem(Path dir, String dataset) {
        if (dir.toAbsolutePath().normalize().equals(Path.of("data", dataset).toAbsolutePath().normalize())
                || Datasets.missing(dir).size() < Datasets.FILES.size()) {
            return null; // the default folder is fetched on first use; a partial folder is reported by the loader
        }
        String found = !Files.exists(dir) ? "does not exist" : !Files.isDirectory(dir) ? "is a file, not a folder"
                : "holds none of the four IDX files";
        return dir + ": " + found + ", expected a " + dataset + " data folder with " + String.join(", ", Datasets.FILES)
                + " (plain or .gz); run `./glyph fetch --dataset " + dataset + " --dir " + dir
                + "` first, or add --fetch to fetch it now";
    }

    /** Removes a previous run's files from {@code dir}, refusing folders that do not look like runs. */
    static void deleteRun(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        if (!Files.exists(dir.resolve("checkpoint")) && !Files.exists(dir.resolve("provenance.json"))) {
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isPresent()) {
                    throw new IOException("it is not empty and does not look like a Glyph run folder; refusing to delete it");
                }
            }
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
