package dev.glyph.grpcserver;

import dev.glyph.grpcserver.internal.ClassifierService;
import dev.glyph.grpcserver.internal.DecodePool;
import dev.glyph.grpcserver.internal.ImageDecoder;
import dev.glyph.grpcserver.internal.InboundGuard;
import dev.glyph.grpcserver.internal.InferenceService;
import dev.glyph.grpcserver.internal.MetricsInterceptor;
import dev.glyph.grpcserver.internal.ModelRepository;
import dev.glyph.grpcserver.internal.ModelRuntime;
import dev.glyph.grpcserver.internal.OipCore;
import dev.glyph.grpcserver.internal.OipHttpServer;
import dev.glyph.grpcserver.internal.ServedVersion;
import dev.glyph.grpcserver.internal.ServerMetrics;
import dev.glyph.grpcserver.internal.StatusGuardInterceptor;
import dev.glyph.inferencesdk.BatcherListener;
import dev.glyph.inferencesdk.BatcherStats;
import dev.glyph.inferencesdk.ModelLoadException;
import dev.glyph.proto.inference.GRPCInferenceServiceGrpc;
import dev.glyph.proto.v1.ClassifierGrpc;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioIoHandler;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC classification server's lifecycle: binds the ports, loads and warms up the model,
 * flips health to SERVING, and shuts down gracefully. The service, status mapping, metrics and
 * batching live in their own classes.
 *
 * <pre>{@code
 * try (GlyphServer server = GlyphServer.open(ServerConfig.builder(Path.of("models/mnist/1")).port(0).build())) {
 *     System.out.println("listening on " + server.port() + ", metrics on " + server.metricsPort());
 *     server.awaitTermination();     // until another thread calls shutdown()/close()
 * }
 * }</pre>
 *
 * <p>Lifecycle: {@link #create} → {@link #start()} (ports bound, health NOT_SERVING, classification
 * calls answered UNAVAILABLE) → {@link #loadModel()} (model loaded, warm-up batch run, health
 * SERVING) → {@link #shutdown(Duration)}: health NOT_SERVING, no new calls, in-flight calls
 * finish (open streams end with UNAVAILABLE after answering what they have read), the batcher and
 * model are closed, every thread the server started is stopped. Services: {@code glyph.v1.Classifier},
 * the Open Inference Protocol's {@code inference.GRPCInferenceService} (on the same models and batchers),
 * {@code grpc.health.v1.Health} (service names {@code ""}, {@code glyph.v1.Classifier} and
 * {@code inference.GRPCInferenceService}) and server reflection ({@code grpc.reflection.v1}).
 *
 * <p>Thread-safety: all methods are thread-safe; {@link #shutdown(Duration)} and {@link #close()}
 * are idempotent.
 */
public final class GlyphServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GlyphServer.class);
    private static final AtomicInteger IDS = new AtomicInteger();
    /**
     * grpc-java logs every oversize inbound message at WARNING with a full stack trace
     * ({@code NettyServerStream.TransportState.deframeFailed}); a client can cause that at any
     * rate, and the call already ends with RESOURCE_EXHAUSTED, so that logger only passes SEVERE.
     * Held here because java.util.logging keeps loggers weakly.
     */
    private static final java.util.logging.Logger DEFRAME_LOG =
            java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.grpc.netty.NettyServerStream");

    /** The health-check service name of the classifier. */
    public static final String SERVICE_NAME = ClassifierGrpc.SERVICE_NAME;
    /** The health-check service name of the Open Inference Protocol service. */
    public static final String OIP_SERVICE_NAME = GRPCInferenceServiceGrpc.SERVICE_NAME;

    private final ServerConfig config;
    private final String threadPrefix;
    private final ServerMetrics metrics;
    private final DecodePool decodePool;
    private final ClassifierService service;
    private final OipCore oip;
    private final HealthStatusManager health = new HealthStatusManager();
    private final Object lifecycle = new Object();
    private volatile ServerState state = ServerState.CREATED;
    private Server server;
    private ExecutorService executor;
    private EventLoopGroup boss;
    private EventLoopGroup workers;
    private volatile ModelRepository repository;
    private int metricsPort = -1;
    private OipHttpServer http;
    private int httpPort = -1;
    private Boolean shutdownResult;

    private GlyphServer(ServerConfig config) {
        this.config = config;
        this.threadPrefix = "glyph-server-" + IDS.incrementAndGet();
        this.metrics = new ServerMetrics(config.maxBatchSize());
        this.decodePool = new DecodePool(config.effectiveDecodeThreads(), config.maxQueue(), config.maxDecodedBytes(),
                threadPrefix + "-decode");
        this.metrics.decodingBytesSource(decodePool::bytesInUse);
        this.service = new ClassifierService(metrics, new ImageDecoder(config.maxImagePixels(), config.maxDecodedPixels(),
                decodePool), decodePool, config.streamInFlight());
        this.oip = new OipCore(service, metrics, config.management());
        health.setStatus("", ServingStatus.NOT_SERVING);
        health.setStatus(SERVICE_NAME, ServingStatus.NOT_SERVING);
        health.setStatus(OIP_SERVICE_NAME, ServingStatus.NOT_SERVING);
    }

    /** Creates a server; nothing is bound or loaded until {@link #start()}. */
    public static GlyphServer create(ServerConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("config is null; use ServerConfig.defaults(modelDir)");
        }
        return new GlyphServer(config);
    }

    /**
     * Creates, starts and loads: returns a server that is SERVING. On failure everything
     * started is stopped again.
     *
     * @throws IOException if a port cannot be bound
     * @throws ModelLoadException if the model folder cannot be loaded or fails its warm-up batch
     */
    public static GlyphServer open(ServerConfig config) throws IOException, ModelLoadException {
        GlyphServer s = create(config);
        try {
            s.start();
            s.loadModel();
            return s;
        } catch (IOException | ModelLoadException | RuntimeException e) {
            s.shutdown(Duration.ZERO);
            throw e;
        }
    }

    /**
     * Binds the metrics endpoint, the gRPC port and, when {@link ServerConfig#httpPort()} is not -1, the HTTP/REST
     * port of the Open Inference Protocol. Health is NOT_SERVING and classification calls
     * get UNAVAILABLE until {@link #loadModel()} finishes.
     *
     * @throws IOException if a port cannot be bound (nothing stays bound)
     * @throws IllegalStateException if already started
     */
    public GlyphServer start() throws IOException {
        synchronized (lifecycle) {
            if (state != ServerState.CREATED) {
                throw new IllegalStateException("server is " + state + "; start() needs a newly created server");
            }
            try {
                if (config.metricsPort() >= 0) {
                    metricsPort = metrics.startHttp(config.host(), config.metricsPort());
                }
                server = buildServer().start();
                if (config.httpPort() >= 0) {
                    http = new OipHttpServer(OipHttpServer.Settings.of(config.host(), config.httpPort(),
                            config.maxMessageBytes(), config.management(), threadPrefix), oip, metrics::scrape);
                    httpPort = http.start();
                    LOG.info("Open Inference Protocol REST on {}:{}", config.host() == null ? "*" : config.host(), httpPort);
                }
            } catch (IOException | RuntimeException e) {
                if (server != null) {
                    server.shutdownNow();
                }
                releaseThreads();
                metrics.close();
                state = ServerState.STOPPED;
                throw e;
            }
            state = ServerState.STARTING;
            LOG.info("gRPC {} on {}, metrics {}; loading model {}",
                    config.inProcessName() != null ? "in-process" : "server", addressText(),
                    metricsPort >= 0 ? "on port " + metricsPort : "disabled", config.modelDir());
            return this;
        }
    }

    private Server buildServer() {
        ServerBuilder<?> b;
        if (config.inProcessName() != null) {
            b = InProcessServerBuilder.forName(config.inProcessName());
        } else {
            InetSocketAddress addr = config.host() == null ? new InetSocketAddress(config.port())
                    : new InetSocketAddress(config.host(), config.port());
            boss = new MultiThreadIoEventLoopGroup(1, threads(threadPrefix + "-boss", true),
                    NioIoHandler.newFactory());
            workers = new MultiThreadIoEventLoopGroup(config.eventLoopThreads(), threads(threadPrefix + "-netty", true),
                    NioIoHandler.newFactory());
            DEFRAME_LOG.setLevel(java.util.logging.Level.SEVERE);
            b = NettyServerBuilder.forAddress(addr)
                    .bossEventLoopGroup(boss)
                    .workerEventLoopGroup(workers)
                    .channelType(NioServerSocketChannel.class);
        }
        if (config.threads() == 0) {
            b.directExecutor();
        } else {
            executor = Executors.newFixedThreadPool(config.threads(), threads(threadPrefix + "-grpc", true));
            b.executor(executor);
            service.responseExecutor(executor);
        }
        List<ServerInterceptor> chain = new ArrayList<>(config.interceptors());
        // ServerInterceptors.intercept runs the last interceptor first: metrics outermost, then the guard.
        java.util.Collections.reverse(chain);
        chain.add(new StatusGuardInterceptor());
        chain.add(new MetricsInterceptor(metrics));
        // unparseable messages and wrong message counts are answered before any interceptor or handler
        InboundGuard guard = new InboundGuard(metrics, config.maxMessageBytes(), Duration.ofSeconds(10));
        b.maxInboundMessageSize(InboundGuard.transportLimit(config.maxMessageBytes()))
                .addService(ServerInterceptors.intercept(guard.guard(service.bindService()), chain))
                .addService(ServerInterceptors.intercept(guard.guard(new InferenceService(oip).definition()), chain))
                .addService(ServerInterceptors.intercept(guard.guard(health.getHealthService().bindService()),
                        new MetricsInterceptor(metrics)))
                .addService(guard.guard(ProtoReflectionServiceV1.newInstance().bindService()));
        return b.build();
    }

    private static ThreadFactory threads(String prefix, boolean daemon) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(daemon);
            return t;
        };
    }

    /**
     * Loads the model folder, runs a warm-up batch, starts the batcher and sets health to
     * SERVING.
     *
     * @throws ModelLoadException if the folder cannot be loaded or fails its warm-up batch (the
     *     server keeps running, NOT_SERVING)
     * @throws IllegalStateException unless the server is started and has no model yet
     */
    public void loadModel() throws ModelLoadException {
        synchronized (lifecycle) {
            if (state != ServerState.STARTING) {
                throw new IllegalStateException("server is " + state + "; loadModel() needs a started server without a model");
            }
        }
        BatcherListener listener = config.listener() == BatcherListener.NONE ? metrics : new TwoListeners(metrics,
                config.listener());
        ModelRepository.Loader loader = (dir, name, version) -> ModelRuntime.open(dir, name, version, config.device(),
                config.effectiveIntraOpThreads(), new ModelRuntime.Settings(config.maxBatchSize(), config.maxDelay(),
                        config.maxQueue(), config.maxMessageBytes(), config.streamInFlight(), config.effectiveBatchers(),
                        threadPrefix + "-" + name + "-v" + version + "-batcher"), listener);
        ModelRepository repo = new ModelRepository(config.modelRepository(), config.modelDir(), config.defaultModel(), loader,
                !config.allowUnverified(), metrics, Duration.ofSeconds(30), config.pollInterval(), threadPrefix);
        try {
            repo.loadAll();
        } catch (ModelLoadException | RuntimeException e) {
            repo.close(Duration.ofSeconds(5));
            throw e;
        }
        synchronized (lifecycle) {
            if (state != ServerState.STARTING) {
                repo.close(Duration.ofSeconds(5));
                throw new IllegalStateException("server is " + state + " after loading the model; model closed again");
            }
            repository = repo;
            metrics.queueDepthSource(repo::queueDepth);
            metrics.versionsSource(repo::index);
            service.serve(repo);
            health.setStatus("", ServingStatus.SERVING);
            health.setStatus(SERVICE_NAME, ServingStatus.SERVING);
            health.setStatus(OIP_SERVICE_NAME, ServingStatus.SERVING);
            metrics.ready(true);
            state = ServerState.SERVING;
            List<String> ready = new ArrayList<>();
            for (ServedVersion v : repo.published()) {
                ready.add(v.model() + "/" + v.version());
            }
            LOG.info("serving {} on {} (default model {}; max batch {}, max delay {} us, max queue {}, {} batcher(s) per"
                    + " version, {} model thread(s) each)", ready, addressText(), repo.defaultModel(),
                    config.maxBatchSize(), config.maxDelay().toNanos() / 1000, config.maxQueue(),
                    config.effectiveBatchers(), config.effectiveIntraOpThreads());
        }
    }

    /**
     * Returns the repository index: every model version seen, with its state and, when not ready, why.
     *
     * @throws IllegalStateException before the models are loaded
     */
    public List<ModelStatus> modelIndex() {
        return repo().index();
    }

    /**
     * Loads or reloads model {@code name} from the repository (new, changed and removed versions, as its policy
     * selects them) and returns its index entries. A version that fails its gate is not served; the one already
     * serving keeps serving. Swaps are atomic: requests already on a replaced version finish there.
     *
     * @throws IllegalArgumentException when the repository has no model {@code name}
     * @throws IllegalStateException when the server is not serving or the repository is closing
     */
    public List<ModelStatus> reloadModel(String name) throws InterruptedException {
        return await(repo().load(name));
    }

    /** Unloads every version of model {@code name}; requests holding one finish first. Returns its index entries. */
    public List<ModelStatus> unloadModel(String name) throws InterruptedException {
        return await(repo().unload(name));
    }

    /** Rescans the whole repository now (what {@link ServerConfig#pollInterval()} does periodically). */
    public List<ModelStatus> rescanRepository() throws InterruptedException {
        return await(repo().rescan());
    }

    private static List<ModelStatus> await(java.util.concurrent.CompletableFuture<List<ModelStatus>> f)
            throws InterruptedException {
        try {
            return f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof dev.glyph.grpcserver.internal.ModelNotFoundException) {
                throw new IllegalArgumentException(c.getMessage(), c);
            }
            // the repository's own exceptions (closed while shutting down, ...) stay inside the module
            throw new IllegalStateException(c.getMessage(), c);
        }
    }

    private ModelRepository repo() {
        ModelRepository r = repository;
        if (r == null) {
            throw new IllegalStateException("server is " + state + "; no model loaded");
        }
        return r;
    }

    private String addressText() {
        if (config.inProcessName() != null) {
            return "in-process:" + config.inProcessName();
        }
        return (config.host() == null ? "*" : config.host()) + ":" + port();
    }

    /** Returns the bound gRPC port (-1 for an in-process server or before {@link #start()}). */
    public int port() {
        Server s = server;
        if (s == null || config.inProcessName() != null) {
            return -1;
        }
        return s.getPort();
    }

    /** Returns the bound HTTP/REST (Open Inference Protocol) port, or -1 when disabled or not started. */
    public int httpPort() {
        return httpPort;
    }

    /** Returns the bound metrics port, or -1 when disabled or not started. */
    public int metricsPort() {
        return metricsPort;
    }

    /** Returns the lifecycle state. */
    public ServerState state() {
        return state;
    }

    /** Returns the configuration. */
    public ServerConfig config() {
        return config;
    }

    /**
     * Returns the batcher's counters and distributions (images run, batches, expired, rejected...).
     *
     * @throws IllegalStateException before the model is loaded
     */
    public BatcherStats batcherStats() {
        BatcherStats sum = null;
        for (ServedVersion v : repo().published()) {
            sum = sum == null ? v.runtime().stats() : ModelRuntime.sum(sum, v.runtime().stats());
        }
        if (sum == null) {
            throw new IllegalStateException("server is " + state + "; no model version is ready");
        }
        return sum;
    }

    /** Returns the current metrics in the Prometheus text format (what {@code /metrics} serves). */
    public String scrapeMetrics() {
        return metrics.scrape();
    }

    /**
     * Shuts down gracefully: health NOT_SERVING; no new calls; in-flight calls finish (waiting at
     * most {@code timeout}, then they are cancelled); the batcher and the model are closed; the
     * metrics endpoint and every thread the server started are stopped. Idempotent: later calls
     * return the first call's result.
     *
     * @return whether all in-flight calls finished within the timeout
     */
    public boolean shutdown(Duration timeout) {
        synchronized (lifecycle) {
            if (shutdownResult != null) {
                return shutdownResult;
            }
            long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
            boolean clean = true;
            ServerState was = state;
            service.rejectNew(); // before DRAINING is visible: a call sent after seeing it must not be admitted
            state = ServerState.DRAINING;
            LOG.info("shutting down (was {}): health NOT_SERVING, draining in-flight calls for up to {} ms", was,
                    timeout.toMillis());
            health.enterTerminalState();
            metrics.ready(false);
            if (http != null) {
                http.beginDrain(); // new REST requests: 503; those in flight finish below
            }
            if (server != null) {
                server.shutdown();
                service.drain();
                try {
                    if (!server.awaitTermination(remaining(deadline), TimeUnit.NANOSECONDS)) {
                        clean = false;
                        LOG.warn("in-flight calls did not finish within {} ms; cancelling them", timeout.toMillis());
                        server.shutdownNow();
                        server.awaitTermination(5, TimeUnit.SECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    clean = false;
                    server.shutdownNow();
                }
            }
            if (http != null) {
                clean &= http.awaitDrained(Duration.ofNanos(remaining(deadline)));
                http.close();
            }
            ModelRepository repo = repository;
            if (repo != null) {
                clean &= repo.close(Duration.ofNanos(Math.max(remaining(deadline), TimeUnit.SECONDS.toNanos(1))));
            }
            metrics.close();
            releaseThreads();
            state = ServerState.STOPPED;
            shutdownResult = clean;
            lifecycle.notifyAll();
            LOG.info("server stopped{}", clean ? "" : " (some calls were cancelled)");
            return clean;
        }
    }

    private static long remaining(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    private void releaseThreads() {
        decodePool.close(Duration.ofSeconds(5));
        if (executor != null) {
            executor.shutdown();
            try {
                if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                    executor.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                executor.shutdownNow();
            }
        }
        for (EventLoopGroup g : new EventLoopGroup[] {workers, boss}) {
            if (g != null) {
                g.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * Blocks until the server has stopped (after {@link #shutdown(Duration)} or {@link #close()}
     * from another thread).
     */
    public void awaitTermination() throws InterruptedException {
        synchronized (lifecycle) {
            while (state != ServerState.STOPPED) {
                lifecycle.wait();
            }
        }
    }

    /** Same as {@link #shutdown(Duration)} with the configured drain timeout. */
    @Override
    public void close() {
        shutdown(config.drainTimeout());
    }

    /** Forwards batcher events to two listeners. */
    private record TwoListeners(BatcherListener a, BatcherListener b) implements BatcherListener {
        @Override
        public void onBatch(int size, long maxQueueWaitNanos, long computeNanos) {
            a.onBatch(size, maxQueueWaitNanos, computeNanos);
            b.onBatch(size, maxQueueWaitNanos, computeNanos);
        }

        @Override
        public void onQueueWait(long queueWaitNanos) {
            a.onQueueWait(queueWaitNanos);
            b.onQueueWait(queueWaitNanos);
        }

        @Override
        public void onBatchFailed(int size, RuntimeException error) {
            a.onBatchFailed(size, error);
            b.onBatchFailed(size, error);
        }

        @Override
        public void onExpired() {
            a.onExpired();
            b.onExpired();
        }

        @Override
        public void onCancelled() {
            a.onCancelled();
            b.onCancelled();
        }

        @Override
        public void onRejected() {
            a.onRejected();
            b.onRejected();
        }
    }
}
