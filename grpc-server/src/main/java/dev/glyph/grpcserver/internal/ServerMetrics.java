package dev.glyph.grpcserver.internal;

import dev.glyph.inferencesdk.BatcherListener;
import io.grpc.Status;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntSupplier;

/**
 * The server's Prometheus metrics, in a registry of its own (never the global default one, so
 * several servers can live in one JVM), optionally exposed on an HTTP {@code /metrics} endpoint.
 * Also the batcher listener that feeds the batch, queue-wait and compute histograms.
 *
 * <p>Metric names (text format): {@value #REQUESTS}_total{method,code},
 * {@value #IMAGES}_total, {@value #LATENCY}{method} (seconds), {@value #QUEUE_WAIT} (seconds,
 * per image), {@value #COMPUTE} (seconds, per model call), {@value #BATCH_SIZE} (images per model
 * call), {@value #QUEUE_DEPTH}, {@value #REJECTED}_total, {@value #EXPIRED}_total,
 * {@value #CANCELLED}_total, {@value #BATCH_FAILURES}_total, {@value #STREAM_IN_FLIGHT}, {@value #READY},
 * {@value #MALFORMED}_total{method}, {@value #DECODING_BYTES}.
 *
 * <p>Thread-safety: thread-safe.
 */
public final class ServerMetrics implements BatcherListener, AutoCloseable {

    /** Calls by full method name and status code. */
    public static final String REQUESTS = "glyph_grpc_requests";
    /** Images answered with a prediction. */
    public static final String IMAGES = "glyph_images_classified";
    /** Server-side call latency from call start to close. */
    public static final String LATENCY = "glyph_request_latency_seconds";
    /** Per-image time in the batcher queue. */
    public static final String QUEUE_WAIT = "glyph_queue_wait_seconds";
    /** Per-batch model call time. */
    public static final String COMPUTE = "glyph_model_compute_seconds";
    /** Images per model call. */
    public static final String BATCH_SIZE = "glyph_batch_size";
    /** Images waiting in the batcher queue now. */
    public static final String QUEUE_DEPTH = "glyph_queue_depth";
    /** Submissions refused because the queue was full. */
    public static final String REJECTED = "glyph_queue_rejected";
    /** Images dropped unexecuted because their deadline passed. */
    public static final String EXPIRED = "glyph_deadline_expired";
    /** Images dropped unexecuted because their call was cancelled before they joined a batch. */
    public static final String CANCELLED = "glyph_cancelled_images";
    /** Calls closed because of a malformed message (unparseable, wrong message count). */
    public static final String MALFORMED = "glyph_malformed_messages";
    /** Estimated bytes held by images being decoded now. */
    public static final String DECODING_BYTES = "glyph_decoding_bytes";
    /** Model calls that failed. */
    public static final String BATCH_FAILURES = "glyph_batch_failures";
    /** Requests read from ClassifyStream calls and not yet answered. */
    public static final String STREAM_IN_FLIGHT = "glyph_stream_requests_in_flight";
    /** Direct (off-heap) memory Netty's allocator holds now, or -1 when Netty does not track it. */
    public static final String NETTY_DIRECT = "glyph_netty_direct_memory_bytes";
    /** 1 while the model is loaded, warmed up and the server is serving, else 0. */
    public static final String READY = "glyph_model_ready";
    /** Per model version: 1 while it is published and passed its gate, else 0 (refused, unloading, excluded). */
    public static final String VERSION_READY = "glyph_model_version_ready";
    /** Model versions refused at load, by model, version and the gate check that failed. */
    public static final String LOAD_FAILURES = "glyph_model_load_failures";

    private static final double[] LATENCY_BOUNDS = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
        5, 10};
    private static final double[] WAIT_BOUNDS = {0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1,
        0.25, 0.5, 1};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests;
    private final Counter images;
    private final Histogram latency;
    private final DistributionDataPoint queueWait;
    private final DistributionDataPoint compute;
    private final DistributionDataPoint batchSize;
    private final CounterDataPoint rejected;
    private final CounterDataPoint expired;
    private final CounterDataPoint batchFailures;
    private final CounterDataPoint cancelled;
    private final Counter malformed;
    private final Counter loadFailures;
    private volatile java.util.function.Supplier<java.util.List<dev.glyph.grpcserver.ModelStatus>> versions = java.util.List::of;
    private volatile java.util.function.LongSupplier decodingBytes = () -> 0;
    private final AtomicInteger streamInFlight = new AtomicInteger();
    private final ConcurrentHashMap<String, MethodSeries> series = new ConcurrentHashMap<>();
    private volatile IntSupplier queueDepth = () -> 0;
    private volatile boolean ready;
    private HTTPServer http;
    private ExecutorService httpExecutor;

    /** Creates the metrics; batch-size buckets are powers of two up to {@code maxBatchSize}. */
    public ServerMetrics(int maxBatchSize) {
        requests = register(Counter.builder().name(REQUESTS).help("gRPC calls by full method name and status code")
                .labelNames("method", "code").build());
        images = register(Counter.builder().name(IMAGES).help("Images answered with a prediction").build());
        latency = register(Histogram.builder().name(LATENCY).help("Server-side call latency, call start to close")
                .labelNames("method").classicOnly().classicUpperBounds(LATENCY_BOUNDS).build());
        queueWait = register(Histogram.builder().name(QUEUE_WAIT).help("Time each image waited in the batch queue")
                .classicOnly().classicUpperBounds(WAIT_BOUNDS).build());
        compute = register(Histogram.builder().name(COMPUTE).help("Wall time of each model call")
                .classicOnly().classicUpperBounds(LATENCY_BOUNDS).build());
        batchSize = register(Histogram.builder().name(BATCH_SIZE).help("Images per model call")
                .classicOnly().classicUpperBounds(powersOfTwo(maxBatchSize)).build());
        rejected = register(Counter.builder().name(REJECTED).help("Submissions refused because the queue was full").build());
        expired = register(Counter.builder().name(EXPIRED)
                .help("Images dropped without running because their deadline passed").build());
        cancelled = register(Counter.builder().name(CANCELLED)
                .help("Images dropped without running because their call was cancelled before they joined a batch")
                .build());
        malformed = register(Counter.builder().name(MALFORMED)
                .help("Calls closed because of a malformed message (unparseable, wrong message count)")
                .labelNames("method").build());
        register(GaugeWithCallback.builder().name(DECODING_BYTES).help("Estimated bytes held by images being decoded")
                .callback(cb -> cb.call(decodingBytes.getAsLong())).build());
        batchFailures = register(Counter.builder().name(BATCH_FAILURES).help("Model calls that failed").build());
        register(GaugeWithCallback.builder().name(QUEUE_DEPTH).help("Images waiting in the batch queue")
                .callback(cb -> cb.call(queueDepth.getAsInt())).build());
        register(GaugeWithCallback.builder().name(STREAM_IN_FLIGHT)
                .help("Requests read from ClassifyStream calls and not yet answered")
                .callback(cb -> cb.call(streamInFlight.get())).build());
        register(GaugeWithCallback.builder().name(NETTY_DIRECT)
                .help("Direct (off-heap) memory held by the gRPC transport's Netty allocator, -1 if untracked")
                .callback(cb -> cb.call(io.grpc.netty.shaded.io.netty.util.internal.PlatformDependent.usedDirectMemory()))
                .build());
        loadFailures = register(Counter.builder().name(LOAD_FAILURES)
                .help("Model versions refused at load, by the gate check that failed").labelNames("model", "version", "check")
                .build());
        register(GaugeWithCallback.builder().name(VERSION_READY)
                .help("1 while a model version is published (passed its load gate), else 0").labelNames("model", "version")
                .callback(cb -> {
                    for (dev.glyph.grpcserver.ModelStatus st : versions.get()) {
                        if (!st.version().isEmpty()) {
                            cb.call(st.state() == dev.glyph.grpcserver.ModelStatus.State.READY ? 1 : 0, st.name(), st.version());
                        }
                    }
                }).build());
        register(GaugeWithCallback.builder().name(READY).help("1 while the server is serving, else 0")
                .callback(cb -> cb.call(ready ? 1 : 0)).build());
    }

    private <M extends io.prometheus.metrics.model.registry.Collector> M register(M m) {
        registry.register(m);
        return m;
    }

    private static double[] powersOfTwo(int max) {
        int n = 1;
        while ((1 << (n - 1)) < max && n < 31) {
            n++;
        }
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            b[i] = 1 << i;
        }
        return b;
    }

    /** Starts the HTTP endpoint on {@code host:port} (0 = any free port); returns the bound port. */
    public synchronized int startHttp(String host, int port) throws IOException {
        AtomicInteger n = new AtomicInteger();
        httpExecutor = Executors.newFixedThreadPool(1, r -> {
            Thread t = new Thread(r, "glyph-metrics-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        HTTPServer.Builder b = HTTPServer.builder().port(port).registry(registry).executorService(httpExecutor);
        if (host != null) {
            b.hostname(host);
        }
        try {
            http = b.buildAndStart();
        } catch (IOException | RuntimeException e) {
            httpExecutor.shutdownNow();
            httpExecutor = null;
            throw e;
        }
        return http.getPort();
    }

    /** Returns the registry (private to this server). */
    public PrometheusRegistry registry() {
        return registry;
    }

    /** Returns all metrics in the Prometheus text format. */
    public String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Counts one finished call and observes its latency. */
    public void recordCall(String method, Status.Code code, long nanos) {
        MethodSeries m = series.computeIfAbsent(method, k -> new MethodSeries(k, requests, latency));
        m.count(code).inc();
        m.latency.observe(nanos / 1e9);
    }

    /** The data points of one method, looked up once instead of per call. */
    private static final class MethodSeries {
        private final String method;
        private final Counter requests;
        private final DistributionDataPoint latency;
        private final AtomicReferenceArray<CounterDataPoint> byCode =
                new AtomicReferenceArray<>(Status.Code.values().length);

        MethodSeries(String method, Counter requests, Histogram latency) {
            this.method = method;
            this.requests = requests;
            this.latency = latency.labelValues(method);
        }

        CounterDataPoint count(Status.Code code) {
            CounterDataPoint p = byCode.get(code.ordinal());
            if (p == null) {
                p = requests.labelValues(method, code.name());
                byCode.set(code.ordinal(), p);
            }
            return p;
        }
    }

    /** Counts {@code n} answered images. */
    public void recordImages(int n) {
        images.inc(n);
    }

    /** Adds {@code delta} to the stream in-flight gauge. */
    public void addStreamInFlight(int delta) {
        streamInFlight.addAndGet(delta);
    }

    /** Sets where the queue depth gauge reads from. */
    public void queueDepthSource(IntSupplier s) {
        queueDepth = s;
    }

    /** Counts one call closed because of a malformed message. */
    public void recordMalformed(String method) {
        malformed.labelValues(method).inc();
    }

    /** Sets where the decoding-bytes gauge reads from. */
    public void decodingBytesSource(java.util.function.LongSupplier s) {
        decodingBytes = s;
    }

    /** Counts one model version refused at load by {@code check}. */
    public void recordLoadFailure(String model, String version, String check) {
        loadFailures.labelValues(model, version, check).inc();
    }

    /** Sets where the per-version ready gauge reads the repository index from. */
    public void versionsSource(java.util.function.Supplier<java.util.List<dev.glyph.grpcserver.ModelStatus>> s) {
        versions = s;
    }

    /** Sets the ready gauge. */
    public void ready(boolean r) {
        ready = r;
    }

    @Override
    public void onBatch(int size, long maxQueueWaitNanos, long computeNanos) {
        batchSize.observe(size);
        compute.observe(computeNanos / 1e9);
    }

    @Override
    public void onQueueWait(long queueWaitNanos) {
        queueWait.observe(queueWaitNanos / 1e9);
    }

    @Override
    public void onBatchFailed(int size, RuntimeException error) {
        batchFailures.inc();
        batchSize.observe(size);
    }

    @Override
    public void onExpired() {
        expired.inc();
    }

    @Override
    public void onCancelled() {
        cancelled.inc();
    }

    @Override
    public void onRejected() {
        rejected.inc();
    }

    /** Stops the HTTP endpoint and its thread. Idempotent. */
    @Override
    public synchronized void close() {
        if (http != null) {
            http.close();
            http = null;
        }
        if (httpExecutor != null) {
            httpExecutor.shutdownNow();
            try {
                httpExecutor.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            httpExecutor = null;
        }
    }
}
