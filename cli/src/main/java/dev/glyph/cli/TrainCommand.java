package dev.glyph.cli;

import dev.glyph.datasets.Datasets;
import dev.glyph.trainer.Augmentation;
import dev.glyph.trainer.DeviceChoice;
import dev.glyph.trainer.DeviceUnavailableException;
import dev.glyph.trainer.EpochMetrics;
import dev.glyph.trainer.LrSchedule;
import dev.glyph.trainer.OptimizerKind;
import dev.glyph.trainer.Recipe;
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

    @Option(names = "--recipe", defaultValue = "reference", paramLabel = "NAME",
            description = {"reference (the tutorial), best (highest MNIST accuracy) or robust (handwriting beyond "
                + "MNIST) (default: ${DEFAULT-VALUE}).",
                "A recipe sets the options below; any of them given explicitly overrides it. BENCHMARKS.md has each "
                + "recipe's values and measured figures."})
    String recipe;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs (default: the recipe's; reference: 2).")
    Integer epochs;

    @Option(names = "--batch-size", paramLabel = "N", description = "Batch size (default: the recipe's; reference: 32).")
    Integer batchSize;

    @Option(names = "--lr", description = "Learning rate (default: the recipe's; reference: 0.01).")
    Double lr;

    @Option(names = "--optimizer", paramLabel = "NAME",
            description = "sgd, momentum, adam or adadelta (default: the recipe's; reference: sgd).")
    OptimizerKind optimizer;

    @Option(names = "--momentum", description = "Momentum for --optimizer momentum (default: the recipe's, 0.9).")
    Double momentum;

    @Option(names = "--lr-schedule", paramLabel = "NAME",
            description = "constant, step (x gamma every epoch) or cosine (per batch) (default: the recipe's; reference: constant).")
    LrSchedule schedule;

    @Option(names = "--lr-gamma", description = "Per-epoch factor of --lr-schedule step (default: the recipe's, 0.7).")
    Double lrGamma;

    @Option(names = "--augment", paramLabel = "SPEC",
            description = {"Seeded augmentation of training images: " + Augmentation.SPEC_HELP
                + " (default: the recipe's; reference: none).",
                "Example: rotate=15,scale=0.15,shear=10,translate=3,elastic=34:4:0.5,stroke=0.4,blur=0.2,contrast=0.3"})
    String augment;

    @Option(names = "--holdout", paramLabel = "N",
            description = "Training images held out of training to fit the probability temperature on, 0 = none "
                + "(default: the recipe's; reference: 0).")
    Integer holdout;

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

    @Option(names = "--normalize", negatable = true,
            description = "Standardise inputs during training; folded into conv1 so exported models still take "
                + "pixel/255 (default: the recipe's; reference: off, best and robust: on).")
    Boolean normalize;

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
            cfg = config(data != null ? data : Path.of("data", dataset), runDir, dataset);
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

    /** The recipe's config with every explicitly given option applied over it. */
    TrainConfig config(Path dataDir, Path runDir, String dataset) {
        TrainConfig.Builder b = TrainConfig.builder(dataDir, runDir).recipe(Recipe.parse(recipe)).dataset(dataset)
                .seed(seed).threads(threads).device(device.value().forTrainer()).limit(limit).resume(resume);
        if (epochs != null) {
            b.epochs(epochs);
        }
        if (batchSize != null) {
            b.batchSize(batchSize);
        }
        if (lr != null) {
            b.lr(lr);
        }
        if (optimizer != null) {
            b.optimizer(optimizer);
        }
        if (momentum != null) {
            b.momentum(momentum);
        }
        if (schedule != null) {
            b.schedule(schedule);
        }
        if (lrGamma != null) {
            b.lrGamma(lrGamma);
        }
        if (normalize != null) {
            b.normalize(normalize);
        }
        if (augment != null) {
            b.augment(Augmentation.parse(augment));
        }
        if (holdout != null) {
            b.holdout(holdout);
        }
        return b.build();
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
