package dev.glyph.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glyph.benchmarks.internal.BlasProbe;
import dev.glyph.benchmarks.internal.CpuInfo;
import dev.glyph.benchmarks.internal.ReferenceProcess;
import dev.glyph.benchmarks.internal.RoundStats;
import dev.glyph.trainer.DeviceChoice;
import dev.glyph.trainer.MallocTuning;
import dev.glyph.trainer.TrainConfig;
import dev.glyph.trainer.TrainListener;
import dev.glyph.trainer.TrainResult;
import dev.glyph.trainer.Trainer;
import dev.glyph.trainer.TrainingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Training throughput of Glyph's trainer against the project's PyTorch reference
 * ({@code benchmarks/reference/ref_train.py}, the tutorial's MnistNet in PyTorch eager mode) in the
 * same run.
 *
 * <p>Method, so that neither side is handicapped:
 * <ul>
 *   <li>the reference must run on an optimised BLAS: a reference on the netlib reference BLAS is refused
 *       with a {@link ReferenceBlasException} naming the package to install;</li>
 *   <li>the reference runs twice, in two warm processes: once with glibc's default malloc and once with
 *       Glyph's own malloc settings ({@link MallocTuning}) through glibc's environment; the faster median
 *       counts;</li>
 *   <li>every side gets one untimed warm-up round with the same settings, all timed rounds of a side run
 *       in one warm process (Glyph in this JVM), and the rounds alternate between the sides;</li>
 *   <li>a round is one epoch over the first {@code limit} images of a fresh seed-0 model, the same data,
 *       batch size, SGD lr 0.01 and intra-op thread count on both sides;</li>
 *   <li>the result is the ratio of the medians.</li>
 * </ul>
 *
 * <pre>{@code
 * TrainBenchmark.Result r = TrainBenchmark.run(new TrainBenchmark.Settings(Path.of("data/mnist"),
 *         Path.of("benchmarks/reference/ref_train.py"), "/usr/bin/python3", 12_800, 2, 32, 3, DeviceChoice.CPU),
 *         System.out::println);
 * System.out.println(r.toJson());
 * }</pre>
 *
 * <p>Thread-safety: runs one benchmark at a time; do not run two on one machine.
 */
public final class TrainBenchmark {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Name of the default-malloc reference variant. */
    public static final String DEFAULT_MALLOC = "default_malloc";
    /** Name of the reference variant with Glyph's malloc settings. */
    public static final String GLYPH_MALLOC = "glyph_malloc";

    private TrainBenchmark() {
    }

    /**
     * What to measure.
     *
     * @param dataDir MNIST IDX folder
     * @param reference the reference script, or null to measure Glyph only
     * @param python the interpreter that has torch
     * @param limit training images per round, 0 = all
     * @param threads intra-op threads for both sides (0 = each side's default)
     * @param batchSize batch size for both sides
     * @param rounds timed rounds per side (each one epoch), after one warm-up round each
     * @param device Glyph's device; the reference uses the matching torch device
     */
    public record Settings(Path dataDir, Path reference, String python, int limit, int threads, int batchSize,
            int rounds, DeviceChoice device) {
        /** Validates. */
        public Settings {
            if (dataDir == null || device == null || limit < 0 || threads < 0 || batchSize < 1 || rounds < 1
                    || (reference != null && (python == null || python.isBlank()))) {
                throw new IllegalArgumentException("invalid train benchmark settings: data " + dataDir + ", limit "
                        + limit + ", threads " + threads + ", batch size " + batchSize + ", rounds " + rounds
                        + ", device " + device + ", python " + python + "; expected limit >= 0, threads >= 0,"
                        + " batch size >= 1, rounds >= 1");
            }
        }
    }

    /**
     * One side's rounds.
     *
     * @param warmup img/s of the untimed warm-up round
     * @param rounds img/s of each timed round
     * @param environment extra environment the side ran with (the malloc variables), empty for none
     */
    public record Series(double warmup, List<Double> rounds, Map<String, String> environment) {
        /** Copies. */
        public Series {
            rounds = List.copyOf(rounds);
            environment = Map.copyOf(environment);
        }

        /** Returns the median of the timed rounds. */
        public double median() {
            return RoundStats.median(rounds);
        }
    }

    /**
     * The reference side.
     *
     * @param torch the reference's torch version
     * @param blas which BLAS it used ({@code openblas}, {@code mkl}, ...)
     * @param blasLibrary the library (or config entry) that told
     * @param threads torch's intra-op thread count as the reference reported it
     * @param variants {@value #DEFAULT_MALLOC} and {@value #GLYPH_MALLOC}
     * @param chosen the faster variant by median, the one the ratio uses
     */
    public record Reference(String torch, String blas, String blasLibrary, int threads, Map<String, Series> variants,
            String chosen) {
        /** Returns the chosen variant's median img/s. */
        public double median() {
            return variants.get(chosen).median();
        }
    }

    /**
     * Measured throughput.
     *
     * @param settings what was measured
     * @param cpu the CPU the figures come from
     * @param glyph Glyph's rounds
     * @param reference the reference, or null when not run
     */
    public record Result(Settings settings, CpuInfo cpu, Series glyph, Reference reference) {

        /** Returns median Glyph img/s over the faster reference variant's median (NaN without a reference). */
        public double ratio() {
            return reference == null ? Double.NaN : glyph.median() / reference.median();
        }

        /** Returns the result as one JSON object. */
        public ObjectNode toJsonNode() {
            ObjectNode o = JSON.createObjectNode();
            o.put("benchmark", "train");
            o.put("limit", settings.limit());
            o.put("threads", settings.threads());
            o.put("batch_size", settings.batchSize());
            o.put("rounds", settings.rounds());
            o.put("device", settings.device().name().toLowerCase(Locale.ROOT));
            ObjectNode c = o.putObject("cpu");
            c.put("model_name", cpu.modelName());
            c.put("vendor", cpu.vendor());
            c.put("family", cpu.family());
            c.put("model", cpu.model());
            c.put("cpus", cpu.cpus());
            c.put("isa", cpu.isa());
            o.set("glyph", series(glyph));
            if (reference == null) {
                o.putNull("reference");
                o.putNull("ratio");
            } else {
                ObjectNode r = o.putObject("reference");
                r.put("script", String.valueOf(settings.reference()));
                r.put("python", settings.python());
                r.put("torch", reference.torch());
                r.put("threads", reference.threads());
                ObjectNode b = r.putObject("blas");
                b.put("kind", reference.blas());
                b.put("library", reference.blasLibrary());
                ObjectNode vs = r.putObject("variants");
                reference.variants().forEach((k, v) -> vs.set(k, series(v)));
                r.put("chosen", reference.chosen());
                r.put("median_img_per_s", round1(reference.median()));
                o.put("ratio", Math.round(ratio() * 1000) / 1000.0);
            }
            return o;
        }

        /** Returns {@link #toJsonNode()} as a one-line string. */
        public String toJson() {
            return toJsonNode().toString();
        }

        /** Returns the human-readable summary (medians, ratio, CPU, BLAS). */
        public String summary() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "glyph median %.1f img/s over %d rounds%n", glyph.median(),
                    glyph.rounds().size()));
            if (reference != null) {
                reference.variants().forEach((k, v) -> b.append(String.format(Locale.ROOT,
                        "pytorch %s (%s) %s median %.1f img/s%n", reference.torch(), reference.blas(), k, v.median())));
                b.append(String.format(Locale.ROOT, "median glyph / median pytorch (%s) = %.2fx%n", reference.chosen(),
                        ratio()));
            }
            b.append("cpu: ").append(cpu).append(System.lineSeparator());
            return b.toString();
        }

        private static ObjectNode series(Series s) {
            ObjectNode n = JSON.createObjectNode();
            n.put("warmup_img_per_s", round1(s.warmup()));
            ArrayNode a = n.putArray("img_per_s");
            s.rounds().forEach(v -> a.add(round1(v)));
            n.put("median_img_per_s", round1(s.median()));
            if (!s.environment().isEmpty()) {
                ObjectNode e = n.putObject("environment");
                new java.util.TreeMap<>(s.environment()).forEach(e::put);
            }
            return n;
        }

        private static double round1(double v) {
            return Math.round(v * 10) / 10.0;
        }
    }

    /** The reference runs on the netlib reference BLAS; the message names the package to install. */
    public static final class ReferenceBlasException extends IOException {
        private static final long serialVersionUID = 1L;

        ReferenceBlasException(String message) {
            super(message);
        }
    }

    /**
     * Runs the benchmark; progress lines go to {@code log}.
     *
     * @throws ReferenceBlasException if the reference's torch uses the netlib reference BLAS
     * @throws IOException if the reference fails or the run folder cannot be handled
     * @throws TrainingException if Glyph's training fails
     */
    public static Result run(Settings s, Consumer<String> log) throws IOException, TrainingException {
        CpuInfo cpu = CpuInfo.current();
        if (s.reference() == null) {
            double warm = glyphRound(s);
            log.accept(String.format(Locale.ROOT, "warm-up: glyph %.1f img/s", warm));
            List<Double> g = new ArrayList<>();
            for (int round = 1; round <= s.rounds(); round++) {
                g.add(glyphRound(s));
                log.accept(String.format(Locale.ROOT, "round %d: glyph %.1f img/s", round, g.get(g.size() - 1)));
            }
            return new Result(s, cpu, new Series(warm, g, Map.of()), null);
        }
        Map<String, Map<String, String>> envs = new LinkedHashMap<>();
        Map<String, String> threadsEnv = s.threads() > 0
                ? Map.of("OPENBLAS_NUM_THREADS", Integer.toString(s.threads())) : Map.of();
        envs.put(DEFAULT_MALLOC, threadsEnv);
        Map<String, String> tuned = new LinkedHashMap<>(threadsEnv);
        tuned.putAll(MallocTuning.environment());
        envs.put(GLYPH_MALLOC, tuned);

        List<String> cmd = ReferenceProcess.command(s.python(), s.reference(), List.of("--stdin", "--data",
                s.dataDir().toString(), "--limit", Integer.toString(s.limit()), "--threads",
                Integer.toString(s.threads()), "--batch", Integer.toString(s.batchSize()), "--device",
                torchDevice(s.device())));
        try (ReferenceProcess plain = ReferenceProcess.start(cmd, envs.get(DEFAULT_MALLOC))) {
            JsonNode h = plain.header();
            BlasProbe.Blas blas = checkBlas(s, h);
            log.accept("reference: torch " + h.path("torch").asText() + ", " + h.path("threads").asInt()
                    + " threads, BLAS " + blas.kind().id() + " (" + blas.library() + ")");
            try (ReferenceProcess malloc = ReferenceProcess.start(cmd, envs.get(GLYPH_MALLOC))) {
                checkBlas(s, malloc.header());
                List<ReferenceProcess> refs = List.of(plain, malloc);
                List<String> names = List.copyOf(envs.keySet());
                double glyphWarm = glyphRound(s);
                double[] refWarm = {plain.warmup().path("img_per_s").asDouble(),
                    malloc.warmup().path("img_per_s").asDouble()};
                log.accept(String.format(Locale.ROOT, "warm-up: glyph %.1f, pytorch %s %.1f, %s %.1f img/s", glyphWarm,
                        names.get(0), refWarm[0], names.get(1), refWarm[1]));
                List<Double> g = new ArrayList<>();
                List<List<Double>> r = List.of(new ArrayList<>(), new ArrayList<>());
                for (int round = 1; round <= s.rounds(); round++) {
                    // alternate the order so that no side always runs first or right after another
                    boolean glyphFirst = round % 2 == 1;
                    if (glyphFirst) {
                        g.add(glyphRound(s));
                    }
                    for (int k = 0; k < 2; k++) {
                        int i = glyphFirst ? k : 1 - k;
                        r.get(i).add(refs.get(i).round().path("img_per_s").asDouble());
                    }
                    if (!glyphFirst) {
                        g.add(glyphRound(s));
                    }
                    log.accept(String.format(Locale.ROOT, "round %d: glyph %.1f, pytorch %s %.1f, %s %.1f img/s", round,
                            g.get(round - 1), names.get(0), r.get(0).get(round - 1), names.get(1),
                            r.get(1).get(round - 1)));
                }
                Map<String, Series> variants = new LinkedHashMap<>();
                for (int i = 0; i < 2; i++) {
                    Map<String, String> env = new LinkedHashMap<>(envs.get(names.get(i)));
                    variants.put(names.get(i), new Series(refWarm[i], r.get(i), env));
                }
                String chosen = fasterOf(variants);
                Reference ref = new Reference(h.path("torch").asText(), blas.kind().id(), blas.library(),
                        h.path("threads").asInt(), variants, chosen);
                return new Result(s, cpu, new Series(glyphWarm, g, Map.of()), ref);
            }
        }
    }

    /** Returns the variant with the highest median. */
    static String fasterOf(Map<String, Series> variants) {
        return variants.entrySet().stream().max(Comparator.comparingDouble(e -> e.getValue().median()))
                .orElseThrow().getKey();
    }

    /** Decides the reference's BLAS from its header line; refuses the netlib reference BLAS. */
    static BlasProbe.Blas checkBlas(Settings s, JsonNode header) throws ReferenceBlasException {
        List<String> maps = new ArrayList<>();
        header.path("blas").path("maps").forEach(n -> maps.add(n.asText()));
        List<String> config = new ArrayList<>();
        header.path("blas").path("config").forEach(n -> config.add(n.asText()));
        BlasProbe.Blas blas = BlasProbe.parse(maps, config);
        if (!blas.optimised()) {
            throw new ReferenceBlasException("the PyTorch reference (" + s.python() + ", torch "
                    + header.path("torch").asText() + ") runs on the netlib reference BLAS " + blas.library()
                    + ", which no PyTorch user trains with; install an optimised BLAS: apt-get install "
                    + BlasProbe.OPTIMISED_PACKAGE);
        }
        return blas;
    }

    private static String torchDevice(DeviceChoice d) {
        return switch (d) {
            case CPU -> "cpu";
            case GPU -> "cuda";
            case AUTO -> "auto";
        };
    }

    private static double glyphRound(Settings s) throws IOException, TrainingException {
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
}
