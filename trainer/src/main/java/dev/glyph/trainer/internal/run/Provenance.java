package dev.glyph.trainer.internal.run;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.glyph.datasets.Dataset;
import dev.glyph.trainer.EngineInfo;
import dev.glyph.trainer.EpochMetrics;
import dev.glyph.trainer.MnistNet;
import dev.glyph.trainer.TrainConfig;
import dev.glyph.trainer.internal.engine.EngineSetup;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Builds a run's provenance record: seed, every hyperparameter, the data set and its file hashes,
 * device, versions, the libtorch that ran (flavour, folder, where it came from), times, git commit and metrics. The exporter copies it into every model file.
 *
 * <p>Thread-safety: stateless.
 */
public final class Provenance {

    private Provenance() {
    }

    /**
     * Returns the provenance map in a stable key order; {@code finalFigures} (empty until the last epoch) holds
     * what only the finished run has: {@code ece_test} and, with held-out images, {@code temperature_scaling}.
     */
    public static Map<String, Object> of(TrainConfig cfg, Dataset data, int trainImages, Device device, int threads,
            String started, String finished, String gitCommit, List<EpochMetrics> metrics, double[] norm,
            Map<String, Object> finalFigures) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("format", "glyph-provenance/1");
        p.put("model", "MnistNet");
        p.put("parameter_count", MnistNet.PARAMETER_COUNT);
        p.put("seed", cfg.seed());
        p.put("recipe", Map.of("name", cfg.recipe().cliName(), "version", cfg.recipe().version(),
                "description", cfg.recipe().description()));
        p.put("config", cfg.toMap());
        if (!cfg.augment().isNone()) {
            p.put("augmentation", cfg.augment().toMap());
        }
        Map<String, Object> ds = new LinkedHashMap<>();
        ds.put("name", data.dataset());
        ds.put("train_images", trainImages);
        ds.put("test_images", data.test().count());
        ds.put("sha256", data.sha256());
        p.put("dataset", ds);
        if (norm != null) {
            p.put("normalization", Map.of("mean", norm[0], "std", norm[1], "folded_into", "conv1"));
        }
        p.put("input", "float32 [N,1,28,28], pixel/255");
        p.put("device", device.toString());
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("glyph", version());
        v.put("djl", Engine.getDjlVersion());
        v.put("pytorch", Engine.getEngine("PyTorch").getVersion());
        v.put("java", System.getProperty("java.version"));
        v.put("java_vendor", System.getProperty("java.vendor"));
        v.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        p.put("versions", v);
        EngineInfo engine = EngineSetup.current();
        if (engine != null) {
            p.put("libtorch", engine.toMap());
        }
        p.put("threads", threads);
        p.put("cpu_cores", Runtime.getRuntime().availableProcessors());
        p.put("started", started);
        p.put("finished", finished);
        p.put("git_commit", gitCommit);
        p.put("epochs_completed", metrics.size());
        p.put("metrics", metrics);
        if (!metrics.isEmpty()) {
            EpochMetrics last = metrics.get(metrics.size() - 1);
            p.put("test_accuracy", last.valAcc());
            p.put("test_loss", last.valLoss());
        }
        p.putAll(finalFigures); // the finished run's calibration: ece_test and temperature_scaling
        return p;
    }

    /** Glyph's version from the jar manifest, or "dev" when run from classes. */
    public static String version() {
        String v = Provenance.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0-SNAPSHOT" : v;
    }

    /**
     * The git commit of Glyph's checkout (the launcher's {@code GLYPH_HOME}, else the working
     * directory), or null when unknown. Read once when a run starts.
     */
    public static String gitCommit() {
        String env = System.getenv("GLYPH_GIT_COMMIT");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        try {
            String home = System.getenv("GLYPH_HOME");
            ProcessBuilder pb = new ProcessBuilder("git", "rev-parse", "HEAD").redirectErrorStream(true);
            if (home != null && !home.isBlank()) {
                pb.directory(new java.io.File(home));
            }
            Process pr = pb.start();
            String line;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(pr.getInputStream(), StandardCharsets.UTF_8))) {
                line = r.readLine();
            }
            if (pr.waitFor(5, TimeUnit.SECONDS) && pr.exitValue() == 0 && line != null && line.matches("[0-9a-f]{40}")) {
                return line;
            }
        } catch (java.io.IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }
}
