package dev.glyph.loadgen;

import dev.glyph.client.GlyphClient;
import dev.glyph.client.HostPort;
import dev.glyph.client.TestImages;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.glyph.proto.inference.GRPCInferenceServiceGrpc;
import dev.glyph.proto.inference.ModelInferRequest;
import dev.glyph.proto.inference.ModelInferResponse;
import dev.glyph.proto.v1.ClassifierGrpc;
import dev.glyph.proto.v1.ClassifyRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Closed-loop load generator for a running {@code glyph serve}: for each concurrency level C, C
 * workers each send a request ({@code glyph.v1} {@code Classify}, Open Inference Protocol {@code ModelInfer}
 * over gRPC, or OIP over HTTP/REST; see {@link Protocol}), wait for its reply and send the next, for a fixed
 * time after a warm-up (a failed call is retried after 1 ms instead of at once). Reports throughput,
 * latency percentiles (HdrHistogram), errors by status
 * code, and the mean batch size the server formed (from the delta of its {@code glyph_batch_size}
 * histogram between scrapes of {@code /metrics} before and after each point).
 *
 * <pre>{@code
 * ServerBenchmark.Result r = ServerBenchmark.run(new ServerBenchmark.Config("localhost:50051",
 *         List.of(1, 8, 32, 64), Duration.ofSeconds(2), Duration.ofSeconds(10), 1, Path.of("data/mnist"),
 *         "http://localhost:9464/metrics"), p -> System.out.println(p.text()));
 * }</pre>
 *
 * <p>Requests are built once from MNIST test images (request i holds images i*n .. i*n+n-1 as
 * gray8), so the client spends its CPU on gRPC only. The client uses one channel with one Netty
 * event-loop thread and callbacks on it (no extra executor). Only the client module is needed
 * (no server, DJL or ONNX Runtime); {@code glyph bench server} adds the optional in-process SDK
 * comparison itself.
 *
 * <p>Thread-safety: {@link #run} is self-contained; do not run two benchmarks at once on one machine.
 */
public final class ServerBenchmark {

    private static final int DISTINCT_REQUESTS = 256;

    /** What the benchmark's requests speak; every protocol carries the same gray8 test images. */
    public enum Protocol {
        /** {@code glyph.v1.Classifier/Classify} with gray8 images. */
        GLYPH_V1("glyph"),
        /** Open Inference Protocol over gRPC: {@code ModelInfer}, UINT8 {@code [N,28,28]} in raw_input_contents. */
        OIP_GRPC("oip"),
        /** Open Inference Protocol over HTTP/REST: {@code POST /v2/models/NAME/infer}, UINT8 JSON data. */
        OIP_HTTP("oip-http");

        private final String option;

        Protocol(String option) {
            this.option = option;
        }

        /** Returns the name used on the command line ({@code glyph}, {@code oip}, {@code oip-http}). */
        public String option() {
            return option;
        }

        /** Parses a command-line name. */
        public static Protocol of(String name) {
            for (Protocol p : values()) {
                if (p.option.equalsIgnoreCase(name)) {
                    return p;
                }
            }
            throw new IllegalArgumentException("protocol is '" + name + "'; expected glyph, oip or oip-http");
        }
    }

    private ServerBenchmark() {
    }

    /**
     * Benchmark settings.
     *
     * @param target server {@code host:port}
     * @param concurrency concurrency levels to sweep, in order
     * @param warmup unmeasured time before each point
     * @param duration measured time per point
     * @param imagesPerRequest images per {@code Classify} call
     * @param mnistDir folder with the MNIST IDX files (test images are used)
     * @param metricsUrl the server's {@code /metrics} URL, or {@code null} to skip batch sizes
     * @param protocol what the requests speak
     * @param model the model the requests name ("" = the server's default; OIP needs a name, "mnist" if empty)
     */
    public record Config(String target, List<Integer> concurrency, Duration warmup, Duration duration,
            int imagesPerRequest, Path mnistDir, String metricsUrl, Protocol protocol, String model) {

        /** glyph.v1 against the default model. */
        public Config(String target, List<Integer> concurrency, Duration warmup, Duration duration, int imagesPerRequest,
                Path mnistDir, String metricsUrl) {
            this(target, concurrency, warmup, duration, imagesPerRequest, mnistDir, metricsUrl, Protocol.GLYPH_V1, "");
        }

        /** Validates. */
        public Config {
            if (protocol == null) {
                throw new IllegalArgumentException("protocol is null; expected one of " + java.util.Arrays.toString(
                        Protocol.values()));
            }
            model = model == null ? "" : model;
            if (protocol == Protocol.OIP_HTTP) {
                URI.create("http://" + target + "/");
            } else {
                HostPort.parse(target);
            }
            if (concurrency == null || concurrency.isEmpty() || concurrency.stream().anyMatch(c -> c == null || c < 1)) {
                throw new IllegalArgumentException("concurrency is " + concurrency + "; expected levels >= 1, e.g. 1,8,32,64");
            }
            concurrency = List.copyOf(concurrency);
            if (warmup == null || warmup.isNegative()) {
                throw new IllegalArgumentException("warm-up is " + warmup + "; expected >= 0");
            }
            if (duration == null || duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException("duration is " + duration + "; expected > 0");
            }
            if (imagesPerRequest < 1 || imagesPerRequest > 4096) {
                throw new IllegalArgumentException("images per request is " + imagesPerRequest + "; expected 1..4096");
            }
            if (mnistDir == null) {
                throw new IllegalArgumentException("MNIST folder is null; expected e.g. data/mnist");
            }
        }
    }

    /**
     * One concurrency level's measurement.
     *
     * @param concurrency closed-loop workers
     * @param imagesPerRequest images per call
     * @param requests calls completed successfully in the measured window
     * @param images images classified in the measured window
     * @param seconds measured wall time
     * @param p50Ms median latency of successful calls, ms
     * @param p90Ms 90th percentile, ms
     * @param p99Ms 99th percentile, ms
     * @param maxMs maximum, ms
     * @param errors failed calls by status code name
     * @param serverMeanBatch mean model batch size the server formed in the window, or NaN if unknown
     * @param serverBatches model calls the server made in the window, or -1 if unknown
     */
    public record Point(int concurrency, int imagesPerRequest, long requests, long images, double seconds,
            double p50Ms, double p90Ms, double p99Ms, double maxMs, Map<String, Long> errors, double serverMeanBatch,
            long serverBatches) {
        /** Copies the errors. */
        public Point {
            errors = Map.copyOf(errors);
        }

        /** Returns images per second. */
        public double imagesPerSecond() {
            return images / seconds;
        }

        /** Returns successful requests per second. */
        public double requestsPerSecond() {
            return requests / seconds;
        }

        /** Returns a one-line human-readable summary. */
        public String text() {
            return String.format(Locale.ROOT, "concurrency %3d  images/request %3d  %10.1f img/s  %9.1f req/s"
                    + "  p50 %7.2f ms  p90 %7.2f ms  p99 %7.2f ms  max %7.2f ms  errors %s  server mean batch %s",
                    concurrency, imagesPerRequest, imagesPerSecond(), requestsPerSecond(), p50Ms, p90Ms, p99Ms, maxMs,
                    errors.isEmpty() ? "none" : new TreeMap<>(errors).toString(),
                    Double.isNaN(serverMeanBatch) ? "n/a" : String.format(Locale.ROOT, "%.1f", serverMeanBatch));
        }

        /** Returns this point as one JSON object. */
        public String json() {
            return jsonNode().toString();
        }

        /** Returns this point as a Jackson tree. */
        public ObjectNode jsonNode() {
            ObjectNode o = JSON.createObjectNode();
            o.put("concurrency", concurrency).put("images_per_request", imagesPerRequest).put("requests", requests)
                    .put("images", images).put("seconds", round(seconds, 3))
                    .put("images_per_second", round(imagesPerSecond(), 1))
                    .put("requests_per_second", round(requestsPerSecond(), 1));
            o.putObject("latency_ms").put("p50", round(p50Ms, 3)).put("p90", round(p90Ms, 3))
                    .put("p99", round(p99Ms, 3)).put("max", round(maxMs, 3));
            ObjectNode e = o.putObject("errors");
            new TreeMap<>(errors).forEach(e::put);
            if (Double.isNaN(serverMeanBatch)) {
                o.putNull("server_mean_batch_size");
            } else {
                o.put("server_mean_batch_size", round(serverMeanBatch, 2));
            }
            return o.put("server_batches", serverBatches);
        }
    }

    /**
     * A whole sweep.
     *
     * @param config the settings
     * @param points one per concurrency level, in order
     */
    public record Result(Config config, List<Point> points) {
        /** Copies the points. */
        public Result {
            points = List.copyOf(points);
        }

        /** Returns a printable table. */
        public String table() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "%6s %6s %12s %11s %9s %9s %9s %9s %8s  %s%n", "conc", "img/rq",
                    "img/s", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "batch", "errors"));
            for (Point p : points) {
                b.append(String.format(Locale.ROOT, "%6d %6d %12.1f %11.1f %9.2f %9.2f %9.2f %9.2f %8s  %s%n",
                        p.concurrency(), p.imagesPerRequest(), p.imagesPerSecond(), p.requestsPerSecond(), p.p50Ms(),
                        p.p90Ms(), p.p99Ms(), p.maxMs(), Double.isNaN(p.serverMeanBatch()) ? "n/a"
                                : String.format(Locale.ROOT, "%.1f", p.serverMeanBatch()),
                        p.errors().isEmpty() ? "none" : new TreeMap<>(p.errors()).toString()));
            }
            return b.toString();
        }

        /** Returns the whole sweep as one JSON object (the last line of {@code --json} output). */
        public String json() {
            return jsonNode().toString();
        }

        /** The whole sweep as a JSON object, for callers that add members (e.g. {@code glyph bench server}'s "sdk"). */
        public ObjectNode jsonNode() {
            ObjectNode o = JSON.createObjectNode();
            o.put("target", config.target()).put("protocol", config.protocol().option()).put("model", config.model())
                    .put("images_per_request", config.imagesPerRequest())
                    .put("warmup_s", round(config.warmup().toNanos() / 1e9, 3))
                    .put("duration_s", round(config.duration().toNanos() / 1e9, 3));
            ArrayNode sweep = o.putArray("sweep");
            points.forEach(p -> sweep.add(p.jsonNode()));
            return o;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Rounds for JSON output: {@code digits} decimals. */
    private static double round(double v, int digits) {
        return Double.isFinite(v) ? java.math.BigDecimal.valueOf(v).setScale(digits, java.math.RoundingMode.HALF_UP)
                .doubleValue() : v;
    }

    /**
     * Runs the sweep, calling {@code onPoint} after each level.
     *
     * @throws IOException if the MNIST files cannot be loaded (the message names the file)
     * @throws InterruptedException if interrupted
     */
    public static Result run(Config config, Consumer<Point> onPoint) throws IOException, InterruptedException {
        List<ClassifyRequest> requests = requests(TestImages.load("mnist", config.mnistDir(), Integer.MAX_VALUE),
                config.imagesPerRequest());
        for (int i = 0; i < requests.size(); i++) {
            requests.set(i, requests.get(i).toBuilder().setModel(config.model()).build());
        }
        if (config.protocol() == Protocol.OIP_HTTP) {
            return runHttp(config, requests, onPoint);
        }
        HostPort hp = HostPort.parse(config.target());
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, r -> {
            Thread t = new Thread(r, "glyph-bench-client");
            t.setDaemon(true);
            return t;
        }, NioIoHandler.newFactory());
        ManagedChannel channel = NettyChannelBuilder.forAddress(hp.host(), hp.port()).usePlaintext()
                .eventLoopGroup(group).channelType(NioSocketChannel.class).directExecutor()
                .maxInboundMessageSize(GlyphClient.MAX_INBOUND_BYTES).build();
        List<Point> points = new ArrayList<>();
        try {
            for (int c : config.concurrency()) {
                Point p = point(senders(channel, requests, config), c, config);
                points.add(p);
                if (onPoint != null) {
                    onPoint.accept(p);
                }
            }
        } finally {
            channel.shutdownNow();
            channel.awaitTermination(10, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
        return new Result(config, points);
    }

    /** Builds up to 256 distinct requests of {@code per} consecutive test images (wrapping around). */
    static List<ClassifyRequest> requests(TestImages test, int per) {
        int n = Math.max(1, Math.min(DISTINCT_REQUESTS, test.count() / per));
        List<ClassifyRequest> out = new ArrayList<>(n);
        int next = 0;
        for (int r = 0; r < n; r++) {
            ClassifyRequest.Builder b = ClassifyRequest.newBuilder();
            for (int k = 0; k < per; k++) {
                b.addImages(test.image(next));
                next = (next + 1) % test.count();
            }
            out.add(b.build());
        }
        return out;
    }

    private static final int WARMUP = 0;
    private static final int MEASURE = 1;
    private static final int STOP = 2;

    /** Sends request {@code i} (modulo the distinct requests) and reports its end: null for OK, else the code name. */
    interface Sender {
        void send(int i, long timeoutNanos, Consumer<String> done);
    }

    private static Sender senders(ManagedChannel channel, List<ClassifyRequest> requests, Config config) {
        if (config.protocol() == Protocol.GLYPH_V1) {
            ClassifierGrpc.ClassifierStub stub = ClassifierGrpc.newStub(channel);
            return (i, timeout, done) -> stub.withDeadlineAfter(timeout, TimeUnit.NANOSECONDS).classify(
                    requests.get(Math.floorMod(i, requests.size())), observer(done));
        }
        List<ModelInferRequest> oip = new ArrayList<>();
        for (ClassifyRequest r : requests) {
            oip.add(oipRequest(r, oipModel(config)));
        }
        GRPCInferenceServiceGrpc.GRPCInferenceServiceStub stub = GRPCInferenceServiceGrpc.newStub(channel);
        return (i, timeout, done) -> stub.withDeadlineAfter(timeout, TimeUnit.NANOSECONDS).modelInfer(
                oip.get(Math.floorMod(i, oip.size())), observer(done));
    }

    private static String oipModel(Config config) {
        return config.model().isEmpty() ? "mnist" : config.model();
    }

    /**
     * The same images as an OIP request: UINT8 [N,28,28] in raw_input_contents, asking for the outputs
     * {@code label} and {@code confidence}, which is what a glyph.v1 response carries.
     */
    static ModelInferRequest oipRequest(ClassifyRequest r, String model) {
        ByteString raw = ByteString.EMPTY;
        for (dev.glyph.proto.v1.Image im : r.getImagesList()) {
            raw = raw.concat(im.getGray8());
        }
        return ModelInferRequest.newBuilder().setModelName(model)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("image").setDatatype("UINT8")
                        .addShape(r.getImagesCount()).addShape(28).addShape(28))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("label"))
                .addOutputs(ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("confidence"))
                .addRawInputContents(raw).build();
    }

    /** The same images as an OIP REST body: UINT8 [N,28,28], flat data. */
    static String oipJson(ClassifyRequest r) {
        StringBuilder b = new StringBuilder("{\"inputs\":[{\"name\":\"image\",\"datatype\":\"UINT8\",\"shape\":[")
                .append(r.getImagesCount()).append(",28,28],\"data\":[");
        boolean first = true;
        for (dev.glyph.proto.v1.Image im : r.getImagesList()) {
            for (byte v : im.getGray8().toByteArray()) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                b.append(v & 0xff);
            }
        }
        return b.append("]}],\"outputs\":[{\"name\":\"label\"},{\"name\":\"confidence\"}]}").toString();
    }

    private static <T> StreamObserver<T> observer(Consumer<String> done) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
            }

            @Override
            public void onError(Throwable t) {
                done.accept(Status.fromThrowable(t).getCode().name());
            }

            @Override
            public void onCompleted() {
                done.accept(null);
            }
        };
    }

    private static Result runHttp(Config config, List<ClassifyRequest> requests, Consumer<Point> onPoint)
            throws InterruptedException {
        java.util.concurrent.ExecutorService ex = Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "glyph-bench-http");
            t.setDaemon(true);
            return t;
        });
        HttpClient http = HttpClient.newBuilder().executor(ex).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        URI uri = URI.create("http://" + config.target() + "/v2/models/" + oipModel(config) + "/infer");
        List<String> bodies = new ArrayList<>();
        for (ClassifyRequest r : requests) {
            bodies.add(oipJson(r));
        }
        Sender sender = (i, timeout, done) -> http.sendAsync(HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofNanos(timeout)).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(bodies.get(Math.floorMod(i, bodies.size())))).build(),
                        HttpResponse.BodyHandlers.discarding())
                .whenComplete((resp, err) -> done.accept(err != null ? "IO_ERROR" : resp.statusCode() == 200 ? null
                        : "HTTP_" + resp.statusCode()));
        List<Point> points = new ArrayList<>();
        try {
            for (int c : config.concurrency()) {
                Point p = point(sender, c, config);
                points.add(p);
                if (onPoint != null) {
                    onPoint.accept(p);
                }
            }
        } finally {
            ex.shutdownNow();
        }
        return new Result(config, points);
    }

    private static Point point(Sender sender, int concurrency, Config config) throws InterruptedException {
        Recorder recorder = new Recorder(3_600_000_000L, 3);
        LongAdder ok = new LongAdder();
        Map<String, LongAdder> errors = new ConcurrentHashMap<>();
        AtomicInteger phase = new AtomicInteger(WARMUP);
        AtomicInteger next = new AtomicInteger();
        CountDownLatch stopped = new CountDownLatch(concurrency);
        ScheduledExecutorService retry = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "glyph-bench-retry");
            t.setDaemon(true);
            return t;
        });
        long callTimeoutNanos = Math.max(TimeUnit.SECONDS.toNanos(30), config.duration().toNanos());

        final class Worker {
            private long start;

            void send() {
                start = System.nanoTime();
                sender.send(next.getAndIncrement(), callTimeoutNanos, this::done);
            }

            private void done(String code) {
                long nanos = System.nanoTime() - start;
                int ph = phase.get();
                if (ph == MEASURE) {
                    if (code == null) {
                        ok.increment();
                        recorder.recordValue(Math.max(1, nanos / 1000));
                    } else {
                        errors.computeIfAbsent(code, k -> new LongAdder()).increment();
                    }
                }
                if (ph == STOP) {
                    stopped.countDown();
                } else if (code != null) {
                    retry.schedule(this::send, 1, TimeUnit.MILLISECONDS); // no busy retry storm on errors
                } else {
                    send();
                }
            }

        }

        for (int w = 0; w < concurrency; w++) {
            new Worker().send();
        }
        try {
            return measure(recorder, ok, errors, phase, stopped, callTimeoutNanos, concurrency, config);
        } finally {
            retry.shutdownNow();
        }
    }

    private static Point measure(Recorder recorder, LongAdder ok, Map<String, LongAdder> errors, AtomicInteger phase,
            CountDownLatch stopped, long callTimeoutNanos, int concurrency, Config config) throws InterruptedException {
        Thread.sleep(config.warmup().toMillis());
        double[] before = scrape(config.metricsUrl());
        recorder.reset();
        long t0 = System.nanoTime();
        phase.set(MEASURE);
        Thread.sleep(config.duration().toMillis());
        phase.set(STOP);
        double seconds = (System.nanoTime() - t0) / 1e9;
        Histogram h = recorder.getIntervalHistogram();
        double[] after = scrape(config.metricsUrl());
        if (!stopped.await(callTimeoutNanos + TimeUnit.SECONDS.toNanos(10), TimeUnit.NANOSECONDS)) {
            throw new IllegalStateException("calls still outstanding after the deadline at concurrency " + concurrency);
        }
        double meanBatch = Double.NaN;
        long batches = -1;
        if (before != null && after != null && after[1] > before[1]) {
            batches = Math.round(after[1] - before[1]);
            meanBatch = (after[0] - before[0]) / (after[1] - before[1]);
        }
        Map<String, Long> errs = new TreeMap<>();
        errors.forEach((k, v) -> errs.put(k, v.sum()));
        long requestsOk = ok.sum();
        return new Point(concurrency, config.imagesPerRequest(), requestsOk, requestsOk * config.imagesPerRequest(),
                seconds, ms(h, 50), ms(h, 90), ms(h, 99), h.getTotalCount() == 0 ? 0 : h.getMaxValue() / 1000.0, errs,
                meanBatch, batches);
    }

    private static double ms(Histogram h, double percentile) {
        return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1000.0;
    }

    private static final Pattern SUM = Pattern.compile("(?m)^glyph_batch_size_sum (\\S+)$");
    private static final Pattern COUNT = Pattern.compile("(?m)^glyph_batch_size_count (\\S+)$");

    /** Returns {sum, count} of the server's batch-size histogram, or null if it cannot be read. */
    static double[] scrape(String url) {
        if (url == null) {
            return null;
        }
        try {
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                return null;
            }
            return parseBatchSize(r.body());
        } catch (IOException | IllegalArgumentException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** Returns {sum, count} of {@code glyph_batch_size} in Prometheus text, or null if absent. */
    static double[] parseBatchSize(String text) {
        Matcher s = SUM.matcher(text);
        Matcher c = COUNT.matcher(text);
        if (!s.find() || !c.find()) {
            return null;
        }
        return new double[] {Double.parseDouble(s.group(1)), Double.parseDouble(c.group(1))};
    }
}
