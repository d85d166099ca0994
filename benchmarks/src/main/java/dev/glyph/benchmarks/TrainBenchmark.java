package dev.glyph.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.trainer.DeviceChoice;
import dev.glyph.trainer.TrainConfig;
import dev.glyph.trainer.TrainListener;
import dev.glyph.trainer.TrainResult;
import dev.glyph.trainer.Trainer;
import dev.glyph.trainer.TrainingException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Training throughput of Glyph's trainer against the PyTorch reference ({@code ref_train.py}, the
 * tutorial's MnistNet in PyTorch eager mode) in the same run, alternating the two so both see the
 * same machine conditions.
 *
 * <pre>{@code
 * TrainBenchmark.Result r = TrainBenchmark.run(new TrainBenchmark.Settings(Path.of("data/mnist"),
 *         Path.of("../shared/reference/ref_train.py"), "/usr/bin/python3", 12_800, 2, 32, 2, DeviceChoice.CPU),
 *         System.out::println);
 * System.out.println(r.ratio());
 * }</pre>
 *
 * <p>Thread-safety: runs one benchmark at a time.
 */
public final class TrainBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TrainBenchmark() {
    }

    /**
     * What to measure.
     *
     * @param dataDir MNIST IDX folder
     * @param reference the reference script, or null to measure Glyph only
     * @param python the interpreter that has torch
     * @param limit training images per epoch
     * @param threads intra-op threads for both sides
     * @param batchSize batch size for both sides
     * @param rounds alternating rounds (each one epoch of each side)
     * @param device Glyph's device
     */
    public record Settings(Path dataDir, Path reference, String python, int limit, int threads, int batchSize,
            int rounds, DeviceChoice device) {
    }

    /**
     * Measured throughput.
     *
     * @param glyph Glyph's img/s per round
     * @param reference the reference's img/s per round (empty when not run)
     * @param referenceTorch the reference's torch version
     * @param ratio median Glyph img/s over median reference img/s (NaN without a reference)
     */
    public record Result(List<Double> glyph, List<Double> reference, String referenceTorch, double ratio) {
    }

    /** Runs the benchmark; progress lines go to {@code log}. */
    public static Result run(Settings s, Consumer<String> log) throws IOException, TrainingException {
        List<Double> glyph = new ArrayList<>();
        List<Double> ref = new ArrayList<>();
        String torch = null;
        for (int round = 1; round <= s.rounds(); round++) {
            double g = glyphEpoch(s);
            glyph.add(g);
            log.accept(String.format("round %d: glyph %.1f img/s", round, g));
            if (s.reference() != null) {
                JsonNode[] r = referenceEpoch(s);
                torch = r[0].path("torch").asText();
                double v = r[1].path("img_per_s").asDouble();
                ref.add(v);
                log.accept(String.format("round %d: pytorch %s %.1f img/s", round, torch, v));
            }
        }
        double ratio = ref.isEmpty() ? Double.NaN : median(glyph) / median(ref);
        return new Result(glyph, ref, torch, ratio);
    }

    private static double glyphEpoch(Settings s) throws IOException, TrainingException {
        Path run = Files.createTempDirectory("glyph-bench-train");
        try {
            TrainConfig cfg = TrainConfig.builder(s.dataDir(), run).epochs(1).limit(s.limit()).threads(s.threads())
                    .batchSize(s.batchSize()).device(s.device()).build();
            TrainResult r = Trainer.train(cfg, new TrainListener() { });
            return r.last().imagesPerSec();
        } finally {
            try (Stream<Path> w = Files.walk(run)) {
                for (Path p : w.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Runs one reference epoch; returns {header line, epoch line}. */
    private static JsonNode[] referenceEpoch(Settings s) throws IOException {
        List<String> cmd = List.of(s.python(), s.reference().toString(), "--data", s.dataDir().toString(),
                "--device", s.device() == DeviceChoice.GPU ? "cuda" : "cpu", "--epochs", "1", "--limit",
                String.valueOf(s.limit()), "--threads", String.valueOf(s.threads()), "--batch",
                String.valueOf(s.batchSize()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        JsonNode header = null;
        JsonNode epoch = null;
        StringBuilder all = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                all.append(line).append('\n');
                if (line.startsWith("{")) {
                    JsonNode n = JSON.readTree(line);
                    if (n.has("torch")) {
                        header = n;
                    } else if (n.has("epoch")) {
                        epoch = n;
                    }
                }
            }
        }
        try {
            int code = p.waitFor();
            if (code != 0 || header == null || epoch == null) {
                throw new IOException("reference " + String.join(" ", cmd) + " failed (exit " + code + "): "
                        + tail(all.toString()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while running the reference", e);
        }
        return new JsonNode[] {header, epoch};
    }

    private static String tail(String s) {
        String t = s.strip();
        int i = t.lastIndexOf('\n');
        return i < 0 ? t : t.substring(i + 1);
    }

    /** The median of a non-empty list. */
    static double median(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }
}
