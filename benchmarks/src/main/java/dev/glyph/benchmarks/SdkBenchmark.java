package dev.glyph.benchmarks;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glyph.inferencesdk.BatcherOptions;
import dev.glyph.inferencesdk.BatcherStats;
import dev.glyph.inferencesdk.BatchingClassifier;
import dev.glyph.inferencesdk.DigitClassifier;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.ModelLoadException;
import dev.glyph.inferencesdk.Options;
import dev.glyph.inferencesdk.Prediction;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Measures the inference SDK against a minimal raw ONNX Runtime loop in one run: raw vs SDK at
 * batch 1 and batch 64 (same model bytes, same session options), and the dynamic batcher fed by
 * many concurrent single-image callers vs raw batch 64.
 *
 * <p>Method: every case is warmed up, then measured for a fixed wall-clock duration; raw and SDK
 * cases are interleaved over several rounds so that machine noise (other processes on a shared
 * box) hits both alike. The raw loop creates its input tensor once and only calls
 * {@code session.run(inputs, Set.of("log_probs"))} and reads the output buffer, so it is the
 * tightest possible baseline; the SDK additionally copies the images into a direct buffer, wraps
 * it in a tensor, and computes the softmax per row.
 *
 * <pre>{@code
 * SdkBenchmark.Result r = SdkBenchmark.run(new SdkBenchmark.Config(Path.of("models/mnist/1"),
 *         Duration.ofSeconds(2), Duration.ofSeconds(5), 0, 32, 3));
 * System.out.println(r.table());
 * }</pre>
 *
 * <p>Thread-safety: {@link #run} is self-contained; do not run two benchmarks at once on one machine.
 */
public final class SdkBenchmark {

    private SdkBenchmark() {
    }

    /**
     * Benchmark settings.
     *
     * @param modelDir model folder (manifest.json + model.onnx)
     * @param warmup warm-up per case
     * @param duration measured time per case (split over the rounds)
     * @param intraOpThreads ONNX Runtime intra-op threads for both raw and SDK (0 = ORT default)
     * @param callers concurrent single-image callers for the batcher case
     * @param rounds interleaving rounds
     */
    public record Config(Path modelDir, Duration warmup, Duration duration, int intraOpThreads, int callers,
            int rounds) {
        /** Validates. */
        public Config {
            if (modelDir == null || warmup == null || duration == null || warmup.isNegative() || duration.isZero()
                    || duration.isNegative() || intraOpThreads < 0 || callers < 1 || rounds < 1) {
                throw new IllegalArgumentException("invalid benchmark config: model " + modelDir + ", warmup " + warmup
                        + ", duration " + duration + ", threads " + intraOpThreads + ", callers " + callers
                        + ", rounds " + rounds);
            }
        }
    }

    /**
     * One measured case.
     *
     * @param name case name
     * @param batch images per call (1 for single-image callers)
     * @param calls calls completed
     * @param images images classified
     * @param seconds measured wall time
     */
    public record Measurement(String name, int batch, long calls, long images, double seconds) {
        /** Returns images per second. */
        public double imagesPerSecond() {
            return images / seconds;
        }

        /** Returns mean wall time per call in microseconds (per caller for concurrent cases). */
        public double microsPerCall() {
            return calls == 0 ? 0 : seconds * 1e6 / calls;
        }
    }

    /**
     * All results.
     *
     * @param raw1 raw ORT, batch 1
     * @param sdk1 SDK classify, batch 1
     * @param raw64 raw ORT, batch 64
     * @param sdk64 SDK classifyBatch, batch 64
     * @param batcher batcher, {@code callers} concurrent single-image callers
     * @param batcherStats the batcher's statistics after its case
     * @param callers concurrent callers of the batcher case
     * @param provider execution provider in use
     */
    public record Result(Measurement raw1, Measurement sdk1, Measurement raw64, Measurement sdk64, Measurement batcher,
            BatcherStats batcherStats, int callers, String provider) {

        /** SDK overhead at batch 1: raw throughput / SDK throughput - 1 (0.03 = 3% slower). */
        public double overheadBatch1() {
            return raw1.imagesPerSecond() / sdk1.imagesPerSecond() - 1;
        }

        /** SDK overhead at batch 64. */
        public double overheadBatch64() {
            return raw64.imagesPerSecond() / sdk64.imagesPerSecond() - 1;
        }

        /** Batcher throughput as a fraction of raw batch-64 throughput. */
        public double batcherVsRaw64() {
            return batcher.imagesPerSecond() / raw64.imagesPerSecond();
        }

        /** Returns a printable table with the ratios. */
        public String table() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "%-34s %6s %10s %12s %14s%n", "case", "batch", "images", "images/s",
                    "us/call"));
            for (Measurement m : List.of(raw1, sdk1, raw64, sdk64, batcher)) {
                b.append(String.format(Locale.ROOT, "%-34s %6d %10d %12.1f %14.1f%n", m.name(), m.batch(), m.images(),
                        m.imagesPerSecond(), m.microsPerCall()));
            }
            b.append(String.format(Locale.ROOT, "SDK overhead vs raw ORT, batch 1:  %+.1f%%%n", 100 * overheadBatch1()));
            b.append(String.format(Locale.ROOT, "SDK overhead vs raw ORT, batch 64: %+.1f%%%n", 100 * overheadBatch64()));
            b.append(String.format(Locale.ROOT, "batcher (%d callers) / raw batch 64 throughput: %.2f (mean batch %.1f,"
                    + " p50 queue wait <= %.2f ms)%n", callers, batcherVsRaw64(), batcherStats.meanBatchSize(),
                    batcherStats.queueWaitNanos().quantileUpperBound(0.5) / 1e6));
            b.append("provider: ").append(provider).append('\n');
            return b.toString();
        }

        /** Returns the results as one JSON object (cases, overheads, batcher ratio, provider). */
        public String toJson() {
            ObjectMapper m = new ObjectMapper();
            ObjectNode o = m.createObjectNode();
            ArrayNode cases = o.putArray("cases");
            for (Measurement x : List.of(raw1, sdk1, raw64, sdk64, batcher)) {
                cases.addObject().put("name", x.name()).put("batch", x.batch()).put("calls", x.calls())
                        .put("images", x.images()).put("seconds", x.seconds())
                        .put("images_per_second", x.imagesPerSecond()).put("us_per_call", x.microsPerCall());
            }
            o.put("sdk_overhead_batch1", overheadBatch1());
            o.put("sdk_overhead_batch64", overheadBatch64());
            o.put("batcher_vs_raw64", batcherVsRaw64());
            o.put("batcher_callers", callers);
            o.put("batcher_mean_batch", batcherStats.meanBatchSize());
            o.put("provider", provider);
            return o.toString();
        }
    }

    /**
     * Settings of {@link #compare}: two model folders (say fp32 version 1 and int8 version 2) through the SDK.
     *
     * @param first the baseline model folder
     * @param second the model folder compared with it
     * @param warmup warm-up per case
     * @param duration measured time per case (split over the rounds)
     * @param intraOpThreads ONNX Runtime intra-op threads for both (0 = ORT default)
     * @param rounds interleaving rounds
     */
    public record CompareConfig(Path first, Path second, Duration warmup, Duration duration, int intraOpThreads,
            int rounds) {
        /** Validates. */
        public CompareConfig {
            if (first == null || second == null || warmup == null || duration == null || warmup.isNegative()
                    || duration.isZero() || duration.isNegative() || intraOpThreads < 0 || rounds < 1) {
                throw new IllegalArgumentException("invalid comparison: models " + first + " and " + second
                        + ", warmup " + warmup + ", duration " + duration + ", threads " + intraOpThreads + ", rounds "
                        + rounds);
            }
        }
    }

    /**
     * Two models through the SDK at batch 1 ({@code classify}) and batch 64 ({@code classifyBatch}), measured in
     * the same run with the cases interleaved, next to the box's rooflines.
     *
     * @param first the baseline folder
     * @param firstPrecision its manifest's precision
     * @param second the compared folder
     * @param secondPrecision its precision
     * @param first1 baseline, batch 1
     * @param second1 compared, batch 1
     * @param first64 baseline, batch 64
     * @param second64 compared, batch 64
     * @param threads intra-op threads used (0 = ORT default)
     * @param roofline the box's fp32 and int8 peaks
     */
    public record Comparison(Path first, String firstPrecision, Path second, String secondPrecision,
            Measurement first1, Measurement second1, Measurement first64, Measurement second64, int threads,
            Roofline roofline) {

        /** Throughput of the second model over the first at batch 1. */
        public double speedup1() {
            return second1.imagesPerSecond() / first1.imagesPerSecond();
        }

        /** Throughput of the second model over the first at batch 64. */
        public double speedup64() {
            return second64.imagesPerSecond() / first64.imagesPerSecond();
        }

        /** Returns a printable table with the ratios and the rooflines. */
        public String table() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "%-44s %6s %12s %12s %14s%n", "model", "batch", "images/s", "us/call",
                    "of its peak"));
            for (Measurement m : List.of(first1, second1, first64, second64)) {
                boolean isFirst = m == first1 || m == first64;
                String precision = isFirst ? firstPrecision : secondPrecision;
                double peak = precision.equals("int8") ? roofline.int8ImagesPerSecond() : roofline.fp32ImagesPerSecond();
                b.append(String.format(Locale.ROOT, "%-44s %6d %12.1f %12.1f %13.1f%%%n", m.name(), m.batch(),
                        m.imagesPerSecond(), m.microsPerCall(), peak > 0 ? 100 * m.imagesPerSecond() / peak : 0));
            }
            b.append(String.format(Locale.ROOT, "%s / %s throughput: %.2fx at batch 1, %.2fx at batch 64 (%s intra-op "
                    + "threads)%n", secondPrecision, firstPrecision, speedup1(), speedup64(),
                    threads == 0 ? "default" : Integer.toString(threads)));
            b.append(String.format(Locale.ROOT, "roofline: fp32 %.1f GFLOP/s = %.0f MnistNet images/s, int8 %.1f GOP/s = "
                    + "%.0f images/s (%.2f M multiply-adds per image)%n", roofline.fp32Gflops(),
                    roofline.fp32ImagesPerSecond(), roofline.int8Gops(), roofline.int8ImagesPerSecond(),
                    Roofline.MNISTNET_MACS / 1e6));
            b.append("roofline assumptions: ").append(roofline.assumptions()).append('\n');
            return b.toString();
        }

        /** Returns the comparison as one JSON object. */
        public String toJson() {
            ObjectMapper m = new ObjectMapper();
            ObjectNode o = m.createObjectNode();
            o.put("first", first.toString()).put("first_precision", firstPrecision);
            o.put("second", second.toString()).put("second_precision", secondPrecision);
            ArrayNode cases = o.putArray("cases");
            for (Measurement x : List.of(first1, second1, first64, second64)) {
                cases.addObject().put("name", x.name()).put("batch", x.batch()).put("calls", x.calls())
                        .put("images", x.images()).put("seconds", x.seconds())
                        .put("images_per_second", x.imagesPerSecond()).put("us_per_call", x.microsPerCall());
            }
            o.put("speedup_batch1", speedup1());
            o.put("speedup_batch64", speedup64());
            o.put("threads", threads);
            o.put("roofline_fp32_gflops", roofline.fp32Gflops());
            o.put("roofline_int8_gops", roofline.int8Gops());
            o.put("roofline_assumptions", roofline.assumptions());
            return o.toString();
        }
    }

    /**
     * Compares two model folders through the SDK.
     *
     * @throws ModelLoadException if a folder cannot be loaded
     */
    public static Comparison compare(CompareConfig config) throws ModelLoadException {
        Options options = Options.defaults().intraOpThreads(config.intraOpThreads()).maxBatchSize(64);
        List<DigitImage> images = images(64, 1234);
        try (DigitClassifier a = DigitClassifier.open(config.first(), options);
                DigitClassifier b = DigitClassifier.open(config.second(), options)) {
            DigitImage one = images.get(0);
            Call[] cases = {() -> a.classify(one), () -> b.classify(one), () -> a.classifyBatch(images),
                () -> b.classifyBatch(images)};
            for (Call c : cases) {
                loop(c, config.warmup().toNanos());
            }
            long slice = config.duration().toNanos() / config.rounds();
            long[][] acc = new long[4][2];
            for (int r = 0; r < config.rounds(); r++) {
                for (int k = 0; k < cases.length; k++) {
                    int idx = (r % 2 == 0) ? k : (k ^ 1); // alternate which model goes first
                    long[] m = loop(cases[idx], slice);
                    acc[idx][0] += m[0];
                    acc[idx][1] += m[1];
                }
            }
            String pa = a.modelInfo().precision();
            String pb = b.modelInfo().precision();
            String na = a.modelInfo().name() + "/" + a.modelInfo().version() + " " + pa;
            String nb = b.modelInfo().name() + "/" + b.modelInfo().version() + " " + pb;
            return new Comparison(config.first(), pa, config.second(), pb,
                    new Measurement(na + " classify", 1, acc[0][0], acc[0][0], acc[0][1] / 1e9),
                    new Measurement(nb + " classify", 1, acc[1][0], acc[1][0], acc[1][1] / 1e9),
                    new Measurement(na + " classifyBatch", 64, acc[2][0], acc[2][0] * 64, acc[2][1] / 1e9),
                    new Measurement(nb + " classifyBatch", 64, acc[3][0], acc[3][0] * 64, acc[3][1] / 1e9),
                    config.intraOpThreads(), Roofline.current());
        }
    }

    /** A repeated unit of work: one call classifying {@code batch} images. */
    @FunctionalInterface
    private interface Call {
        void run() throws Exception;
    }

    /**
     * Runs the benchmark.
     *
     * @throws ModelLoadException if the model folder cannot be loaded
     * @throws IOException if model.onnx cannot be read
     */
    public static Result run(Config config) throws ModelLoadException, IOException {
        Options options = Options.defaults().intraOpThreads(config.intraOpThreads()).maxBatchSize(64);
        List<DigitImage> images = images(64, 1234);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (DigitClassifier sdk = DigitClassifier.open(config.modelDir(), options);
                OrtSession.SessionOptions so = rawSessionOptions(options);
                OrtSession raw = env.createSession(Files.readAllBytes(config.modelDir().resolve("model.onnx")), so);
                OnnxTensor in1 = tensor(env, images, 1);
                OnnxTensor in64 = tensor(env, images, 64)) {
            DigitImage one = images.get(0);
            List<DigitImage> batch64 = images;
            Set<String> outs = Set.of(DigitClassifier.OUTPUT_NAME);
            Call raw1 = () -> rawRun(raw, in1, outs);
            Call raw64 = () -> rawRun(raw, in64, outs);
            Call sdk1 = () -> sdk.classify(one);
            Call sdk64 = () -> sdk.classifyBatch(batch64);

            long warm = config.warmup().toNanos();
            for (Call c : List.of(raw1, sdk1, raw64, sdk64)) {
                loop(c, warm);
            }
            long slice = config.duration().toNanos() / config.rounds();
            long[][] acc = new long[4][2]; // calls, nanos
            Call[] cases = {raw1, sdk1, raw64, sdk64};
            for (int r = 0; r < config.rounds(); r++) {
                for (int k = 0; k < cases.length; k++) {
                    // alternate the order each round so neither side always runs first
                    int idx = (r % 2 == 0) ? k : (k ^ 1);
                    long[] m = loop(cases[idx], slice);
                    acc[idx][0] += m[0];
                    acc[idx][1] += m[1];
                }
            }
            Measurement mRaw1 = new Measurement("raw ORT session.run", 1, acc[0][0], acc[0][0], acc[0][1] / 1e9);
            Measurement mSdk1 = new Measurement("SDK classify", 1, acc[1][0], acc[1][0], acc[1][1] / 1e9);
            Measurement mRaw64 = new Measurement("raw ORT session.run", 64, acc[2][0], acc[2][0] * 64, acc[2][1] / 1e9);
            Measurement mSdk64 = new Measurement("SDK classifyBatch", 64, acc[3][0], acc[3][0] * 64, acc[3][1] / 1e9);

            BatcherOptions bo = BatcherOptions.defaults().maxBatchSize(64).maxDelay(Duration.ofMillis(2))
                    .maxQueue(4096).threadName("bench-batcher");
            Measurement mb;
            BatcherStats stats;
            try (BatchingClassifier batcher = BatchingClassifier.create(sdk, bo)) {
                concurrent(batcher, images, config.callers(), config.warmup().toNanos());
                BatcherStats before = batcher.stats();
                long[] m = concurrent(batcher, images, config.callers(), config.duration().toNanos());
                stats = batcher.stats();
                mb = new Measurement("batcher, " + config.callers() + " concurrent callers", 1, m[0], m[0], m[1] / 1e9);
                if (stats.images() < before.images()) {
                    throw new IllegalStateException("batcher statistics went backwards");
                }
            }
            return new Result(mRaw1, mSdk1, mRaw64, mSdk64, mb, stats, config.callers(), sdk.activeProvider());
        } catch (OrtException e) {
            throw new ModelLoadException("raw ONNX Runtime session failed: " + e.getMessage());
        }
    }

    /**
     * The raw session gets the SDK's settings through the SDK's public {@link Options}: the same intra- and
     * inter-op thread counts, and all graph optimisations, as the SDK's own session.
     */
    private static OrtSession.SessionOptions rawSessionOptions(Options options) throws OrtException {
        OrtSession.SessionOptions so = new OrtSession.SessionOptions();
        try {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            if (options.intraOpThreads() > 0) {
                so.setIntraOpNumThreads(options.intraOpThreads());
            }
            if (options.interOpThreads() > 0) {
                so.setInterOpNumThreads(options.interOpThreads());
            }
            return so;
        } catch (OrtException | RuntimeException e) {
            so.close();
            throw e;
        }
    }

    private static void rawRun(OrtSession s, OnnxTensor in, Set<String> outs) throws OrtException {
        try (OrtSession.Result r = s.run(Map.of(DigitClassifier.INPUT_NAME, in), outs)) {
            FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
            if (fb.remaining() == 0) {
                throw new IllegalStateException("empty output");
            }
        }
    }

    /** Runs {@code c} repeatedly for about {@code nanos}; returns {calls, elapsed nanos}. */
    private static long[] loop(Call c, long nanos) {
        long start = System.nanoTime();
        long end = start + nanos;
        long calls = 0;
        long now;
        try {
            do {
                c.run();
                calls++;
                now = System.nanoTime();
            } while (now < end);
        } catch (Exception e) {
            throw new IllegalStateException("benchmark call failed: " + e.getMessage(), e);
        }
        return new long[] {calls, now - start};
    }

    /** Runs {@code callers} threads each classifying single images for about {@code nanos}. */
    private static long[] concurrent(BatchingClassifier b, List<DigitImage> images, int callers, long nanos) {
        LongAdder calls = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch ready = new CountDownLatch(callers);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int t = 0; t < callers; t++) {
            int offset = t;
            Thread th = new Thread(() -> {
                ready.countDown();
                try {
                    go.await();
                    int i = offset;
                    while (!stop.get()) {
                        Prediction p = b.classify(images.get(i % images.size()));
                        if (p.probabilities().length != 10) {
                            throw new IllegalStateException("bad prediction");
                        }
                        calls.increment();
                        i++;
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            }, "bench-caller-" + t);
            th.start();
            threads.add(th);
        }
        try {
            ready.await();
            long start = System.nanoTime();
            go.countDown();
            Thread.sleep(Math.max(1, nanos / 1_000_000));
            stop.set(true);
            for (Thread th : threads) {
                th.join();
            }
            long elapsed = System.nanoTime() - start;
            if (!errors.isEmpty()) {
                throw new IllegalStateException("batcher caller failed: " + errors.get(0), errors.get(0));
            }
            return new long[] {calls.sum(), elapsed};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop.set(true);
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static OnnxTensor tensor(OrtEnvironment env, List<DigitImage> images, int n) throws OrtException {
        FloatBuffer buf = ByteBuffer.allocateDirect(n * DigitImage.PIXELS * Float.BYTES).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        for (int i = 0; i < n; i++) {
            images.get(i).copyTo(buf);
        }
        buf.flip();
        return OnnxTensor.createTensor(env, buf, new long[] {n, 1, 28, 28});
    }

    /** Deterministic sparse random digit-like images. */
    static List<DigitImage> images(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<DigitImage> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            float[] px = new float[DigitImage.PIXELS];
            for (int i = 0; i < px.length; i++) {
                px[i] = rnd.nextInt(4) == 0 ? (float) rnd.nextDouble() : 0f;
            }
            out.add(DigitImage.ofPixels(px));
        }
        return out;
    }
}
