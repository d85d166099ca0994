package dev.glyph.grpcserver;

import dev.glyph.inferencesdk.BatcherListener;
import dev.glyph.inferencesdk.Device;
import dev.glyph.inferencesdk.ImageHeader;
import io.grpc.ServerInterceptor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How a {@link GlyphServer} runs. A value, built with {@link #builder(Path)} (or changed through
 * {@link #toBuilder()}); every option has a default.
 *
 * <pre>{@code
 * ServerConfig c = ServerConfig.builder(Path.of("models/mnist/1"))
 *         .port(50051).metricsPort(9464).maxBatchSize(64).maxDelay(Duration.ofMillis(2)).maxQueue(1024)
 *         .build();
 * ServerConfig onAnyPort = c.toBuilder().port(0).build();
 * }</pre>
 *
 * <p>Thread-safety: immutable (the builder is not thread-safe).
 *
 * @param modelDir the one model folder to serve (see docs/model-folder.md), a repository of one; null when
 *     {@code modelRepository} is set
 * @param host address to bind, or {@code null} for all interfaces
 * @param port gRPC port; 0 picks a free one (see {@link GlyphServer#port()})
 * @param metricsPort Prometheus {@code /metrics} HTTP port; 0 picks a free one, -1 disables the endpoint
 * @param maxBatchSize most images per model call
 * @param maxDelay longest wait for a batch to fill after its first image
 * @param maxQueue most images waiting for the model at once; beyond that calls get RESOURCE_EXHAUSTED
 * @param batchers independent batchers, each with its own worker thread, sharing the one model
 *     session (each holds {@code maxQueue / batchers} images; a request goes whole to the one with
 *     the fewest waiting images); more than one lets model calls run in parallel. 0 = one per core,
 *     at most 4 (see {@link #effectiveBatchers()})
 * @param threads gRPC handler threads, which also build and send the responses; 0 runs handlers
 *     directly on the transport threads and sends responses from the batcher's worker thread
 * @param eventLoopThreads Netty event-loop threads (0 = Netty's default of two per core)
 * @param intraOpThreads ONNX Runtime intra-op threads per model call; 0 = half the cores shared
 *     out over the batchers, at least 1 (see {@link #effectiveIntraOpThreads()})
 * @param device where the model runs
 * @param maxMessageBytes largest accepted inbound message (after decompression); larger ones get
 *     RESOURCE_EXHAUSTED
 * @param streamInFlight most requests of one {@code ClassifyStream} call read but not yet answered
 *     (they are processed concurrently)
 * @param drainTimeout how long a graceful shutdown waits for in-flight calls before cancelling them
 * @param decodeThreads threads of the bounded pool that decodes {@code encoded} images, never on a
 *     transport thread; 0 = half the cores, at least 1 (see {@link #effectiveDecodeThreads()})
 * @param maxDecodedBytes most bytes that images being decoded may hold at once (estimated from
 *     their headers before decoding, {@link ImageHeader#BYTES_PER_DECODED_PIXEL} per decoded
 *     pixel); a request that would exceed it gets RESOURCE_EXHAUSTED
 * @param maxImagePixels largest accepted encoded image, width x height from its header; larger
 *     ones get INVALID_ARGUMENT without being decoded
 * @param maxDecodedPixels most pixels an encoded image is decoded to: larger images are
 *     subsampled while decoding (every n-th row and column), as a 28x28 digit needs far fewer
 * @param inProcessName when not {@code null}, serve on the in-process transport of this name
 *     instead of Netty (tests and embedding); {@link #port()} is then ignored
 * @param listener an extra batcher listener, called after the server's own metrics listener
 * @param interceptors extra server interceptors (outermost first), inside the server's own
 *     metrics and status-guard interceptors
 * @param modelRepository a Triton-style model repository {@code <root>/<name>/<version>/} to serve instead of
 *     one folder (see docs/model-repository.md); null when {@code modelDir} is set
 * @param defaultModel the model that answers requests naming none; null = the only model, else the first by name
 * @param pollInterval how often to rescan the repository for new, changed and removed versions; null = never
 *     (only the explicit repository load/unload calls)
 * @param allowUnverified serve versions that have no parity.json (a failing parity.json is still refused)
 * @param httpPort the Open Inference Protocol HTTP/REST port (and /metrics); 0 picks a free one, -1 disables it
 * @param management whether the repository load/unload calls are allowed (from loopback clients only);
 *     the index is always readable
 */
public record ServerConfig(Path modelDir, String host, int port, int metricsPort, int maxBatchSize, Duration maxDelay,
        int maxQueue, int batchers, int threads, int eventLoopThreads, int intraOpThreads, Device device,
        int maxMessageBytes, int streamInFlight, Duration drainTimeout, int decodeThreads, long maxDecodedBytes,
        long maxImagePixels, long maxDecodedPixels, String inProcessName, BatcherListener listener,
        List<ServerInterceptor> interceptors, Path modelRepository, String defaultModel, Duration pollInterval,
        boolean allowUnverified, int httpPort, boolean management) {

    /** The default gRPC port. */
    public static final int DEFAULT_PORT = 50051;
    /** The default metrics port. */
    public static final int DEFAULT_METRICS_PORT = 9464;
    /** The default largest inbound message: 4 MiB. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
    /** The default cap on bytes held by images being decoded: 128 MiB. */
    public static final long DEFAULT_MAX_DECODED_BYTES = 128L * 1024 * 1024;

    /** Validates the fields. */
    public ServerConfig {
        check(modelDir != null || modelRepository != null,
                "neither a model folder nor a model repository is set; expected e.g. models/mnist/1 or models/");
        check(modelDir == null || modelRepository == null, "both a model folder (" + modelDir + ") and a model repository ("
                + modelRepository + ") are set; expected one of them");
        check(pollInterval == null || pollInterval.toMillis() >= 100,
                "poll interval is " + pollInterval + "; expected at least 100 ms, or none");
        check(httpPort >= -1 && httpPort <= 65535,
                "HTTP port is " + httpPort + "; expected 0..65535 (0 = any free port) or -1 (disabled)");
        check(defaultModel == null || !defaultModel.isBlank(), "default model is blank; expected a name or none");
        check(inProcessName != null || (port >= 0 && port <= 65535),
                "port is " + port + "; expected 0..65535 (0 = any free port)");
        check(metricsPort >= -1 && metricsPort <= 65535,
                "metrics port is " + metricsPort + "; expected 0..65535 (0 = any free port) or -1 (disabled)");
        check(maxBatchSize >= 1, "max batch size is " + maxBatchSize + "; expected >= 1");
        check(maxDelay != null && !maxDelay.isNegative(), "max delay is " + maxDelay + "; expected a duration >= 0");
        check(maxQueue >= 1, "max queue is " + maxQueue + "; expected >= 1");
        check(batchers >= 0 && batchers <= maxQueue,
                "batchers is " + batchers + "; expected 0 (auto) or 1.." + maxQueue + " (max queue)");
        check(threads >= 0, "threads is " + threads + "; expected >= 0 (0 = run on transport threads)");
        check(eventLoopThreads >= 0, "event loop threads is " + eventLoopThreads + "; expected >= 0 (0 = Netty default)");
        check(intraOpThreads >= 0, "intra-op threads is " + intraOpThreads + "; expected >= 0 (0 = auto)");
        check(device != null, "device is null; expected cpu or cuda:N");
        check(maxMessageBytes >= 1024, "max message size is " + maxMessageBytes + " bytes; expected >= 1024");
        check(streamInFlight >= 1, "stream in-flight bound is " + streamInFlight + "; expected >= 1");
        check(drainTimeout != null && !drainTimeout.isNegative(),
                "drain timeout is " + drainTimeout + "; expected a duration >= 0");
        check(decodeThreads >= 0, "decode threads is " + decodeThreads + "; expected >= 0 (0 = auto)");
        check(maxImagePixels >= 1, "max image pixels is " + maxImagePixels + "; expected >= 1");
        check(maxDecodedPixels >= ImageHeader.MIN_DECODED_PIXELS, "max decoded pixels is " + maxDecodedPixels
                + "; expected >= " + ImageHeader.MIN_DECODED_PIXELS);
        long oneImage = maxDecodedPixels * ImageHeader.BYTES_PER_DECODED_PIXEL;
        check(maxDecodedBytes >= oneImage, "max decoded bytes is " + maxDecodedBytes + "; expected >= " + oneImage
                + " (one image of max decoded pixels " + maxDecodedPixels + " x "
                + ImageHeader.BYTES_PER_DECODED_PIXEL + " bytes)");
        check(inProcessName == null || !inProcessName.isBlank(),
                "in-process name is blank; expected a name or null for Netty");
        check(listener != null, "listener is null; use BatcherListener.NONE");
        check(interceptors != null, "interceptors are null; use List.of()");
        interceptors = List.copyOf(interceptors);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * Returns the defaults for {@code modelDir}: all interfaces, port 50051, metrics on 9464,
     * batches of up to 64 with a 2 ms delay, a queue of 1024 images, automatic batchers and model
     * threads (see {@link #effectiveBatchers()}), handlers on the transport threads, one Netty event
     * loop, CPU, 4 MiB messages, 16 in-flight requests per stream, a 20 s drain, automatic decode
     * threads, 128 MiB of decoded images in flight, images up to
     * {@value ImageHeader#DEFAULT_MAX_IMAGE_PIXELS} pixels decoded to at most
     * {@value ImageHeader#DEFAULT_MAX_DECODED_PIXELS}.
     */
    public static ServerConfig defaults(Path modelDir) {
        return builder(modelDir).build();
    }

    /** Returns a builder holding the {@link #defaults(Path) defaults} for {@code modelDir}. */
    public static Builder builder(Path modelDir) {
        return new Builder(modelDir);
    }

    /** Returns a builder holding the defaults for serving the model repository {@code root}. */
    public static Builder forRepository(Path root) {
        return new Builder((Path) null).modelRepository(root);
    }

    /** Returns a builder holding this configuration. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * Returns the number of batchers to run: {@link #batchers()}, or for 0 one per available core
     * (at most 4 and at most {@link #maxQueue()}). Several single-threaded model calls in parallel
     * use the cores better than one multi-threaded call (no per-operator synchronisation or
     * spinning): on the 2-core development box 2 batchers x 1 thread served 64-image requests at
     * ~10,000 img/s against ~6,900 with 1 x 1 and ~9,100 with 1 x 2.
     */
    public int effectiveBatchers() {
        if (batchers > 0) {
            return batchers;
        }
        return Math.max(1, Math.min(Math.min(4, Runtime.getRuntime().availableProcessors()), maxQueue));
    }

    /**
     * Returns the ONNX Runtime intra-op threads per model call: {@link #intraOpThreads()}, or for 0
     * half the available cores divided among the batchers, at least 1 (1 on a 2-core machine).
     */
    public int effectiveIntraOpThreads() {
        if (intraOpThreads > 0) {
            return intraOpThreads;
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors() / (2 * effectiveBatchers()));
    }

    /** Returns the image decode threads: {@link #decodeThreads()}, or for 0 half the cores, at least 1. */
    public int effectiveDecodeThreads() {
        if (decodeThreads > 0) {
            return decodeThreads;
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    /**
     * Builds a {@link ServerConfig}; starts from the defaults, {@link #build()} validates.
     *
     * <p>Thread-safety: not thread-safe; use one builder per thread.
     */
    public static final class Builder {
        private Path modelDir;
        private String host;
        private int port = DEFAULT_PORT;
        private int metricsPort = DEFAULT_METRICS_PORT;
        private int maxBatchSize = 64;
        private Duration maxDelay = Duration.ofMillis(2);
        private int maxQueue = 1024;
        private int batchers;
        private int threads;
        private int eventLoopThreads = 1;
        private int intraOpThreads;
        private Device device = Device.cpu();
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private int streamInFlight = 16;
        private Duration drainTimeout = Duration.ofSeconds(20);
        private int decodeThreads;
        private long maxDecodedBytes = DEFAULT_MAX_DECODED_BYTES;
        private long maxImagePixels = ImageHeader.DEFAULT_MAX_IMAGE_PIXELS;
        private long maxDecodedPixels = ImageHeader.DEFAULT_MAX_DECODED_PIXELS;
        private String inProcessName;
        private BatcherListener listener = BatcherListener.NONE;
        private List<ServerInterceptor> interceptors = List.of();
        private Path modelRepository;
        private String defaultModel;
        private Duration pollInterval;
        private boolean allowUnverified;
        private int httpPort = -1;
        private boolean management;

        private Builder(Path modelDir) {
            this.modelDir = modelDir;
        }

        private Builder(ServerConfig c) {
            modelDir = c.modelDir;
            host = c.host;
            port = c.port;
            metricsPort = c.metricsPort;
            maxBatchSize = c.maxBatchSize;
            maxDelay = c.maxDelay;
            maxQueue = c.maxQueue;
            batchers = c.batchers;
            threads = c.threads;
            eventLoopThreads = c.eventLoopThreads;
            intraOpThreads = c.intraOpThreads;
            device = c.device;
            maxMessageBytes = c.maxMessageBytes;
            streamInFlight = c.streamInFlight;
            drainTimeout = c.drainTimeout;
            decodeThreads = c.decodeThreads;
            maxDecodedBytes = c.maxDecodedBytes;
            maxImagePixels = c.maxImagePixels;
            maxDecodedPixels = c.maxDecodedPixels;
            inProcessName = c.inProcessName;
            listener = c.listener;
            interceptors = c.interceptors;
            modelRepository = c.modelRepository;
            defaultModel = c.defaultModel;
            pollInterval = c.pollInterval;
            allowUnverified = c.allowUnverified;
            httpPort = c.httpPort;
            management = c.management;
        }

        /** Serves the model repository {@code root} ({@code <root>/<name>/<version>/}) instead of one folder. */
        public Builder modelRepository(Path root) {
            modelRepository = root;
            modelDir = null;
            return this;
        }

        /** Answers requests that name no model with {@code name} (null = the only model, else the first by name). */
        public Builder defaultModel(String name) {
            defaultModel = name;
            return this;
        }

        /** Rescans the repository every {@code d} (null = only on explicit load/unload calls). */
        public Builder pollInterval(Duration d) {
            pollInterval = d;
            return this;
        }

        /** Serves versions without a parity.json (default false: every version must be proven by glyph verify). */
        public Builder allowUnverified(boolean b) {
            allowUnverified = b;
            return this;
        }

        /** Serves the Open Inference Protocol over HTTP/REST on {@code p} (0 = any free port, -1 = off, the default). */
        public Builder httpPort(int p) {
            httpPort = p;
            return this;
        }

        /** Allows the repository load/unload calls from loopback clients (default false). */
        public Builder management(boolean b) {
            management = b;
            return this;
        }

        /** Serves the model folder {@code dir} (a repository of one). */
        public Builder modelDir(Path dir) {
            modelDir = dir;
            modelRepository = null;
            return this;
        }

        /** Binds {@code h} ({@code null} = all interfaces). */
        public Builder host(String h) {
            host = h;
            return this;
        }

        /** Serves gRPC on port {@code p} (0 = any free port). */
        public Builder port(int p) {
            port = p;
            return this;
        }

        /** Serves metrics on port {@code p} (0 = any free port, -1 = no metrics endpoint). */
        public Builder metricsPort(int p) {
            metricsPort = p;
            return this;
        }

        /** Forms batches of at most {@code n} images. */
        public Builder maxBatchSize(int n) {
            maxBatchSize = n;
            return this;
        }

        /** Waits at most {@code d} for a batch to fill. */
        public Builder maxDelay(Duration d) {
            maxDelay = d;
            return this;
        }

        /** Queues at most {@code n} images. */
        public Builder maxQueue(int n) {
            maxQueue = n;
            return this;
        }

        /** Runs {@code n} batchers (worker threads sharing the model; 0 = auto). */
        public Builder batchers(int n) {
            batchers = n;
            return this;
        }

        /** Runs {@code n} gRPC handler threads (0 = handlers on the transport threads). */
        public Builder threads(int n) {
            threads = n;
            return this;
        }

        /** Runs {@code n} Netty event-loop threads (0 = Netty default). */
        public Builder eventLoopThreads(int n) {
            eventLoopThreads = n;
            return this;
        }

        /** Gives each model call {@code n} ONNX Runtime intra-op threads (0 = auto). */
        public Builder intraOpThreads(int n) {
            intraOpThreads = n;
            return this;
        }

        /** Runs the model on {@code d}. */
        public Builder device(Device d) {
            device = d;
            return this;
        }

        /** Accepts inbound messages of at most {@code n} bytes. */
        public Builder maxMessageBytes(int n) {
            maxMessageBytes = n;
            return this;
        }

        /** Lets each stream have at most {@code n} requests read but unanswered. */
        public Builder streamInFlight(int n) {
            streamInFlight = n;
            return this;
        }

        /** Waits at most {@code d} for in-flight calls on graceful shutdown. */
        public Builder drainTimeout(Duration d) {
            drainTimeout = d;
            return this;
        }

        /** Decodes encoded images on {@code n} threads (0 = auto). */
        public Builder decodeThreads(int n) {
            decodeThreads = n;
            return this;
        }

        /** Lets images being decoded hold at most {@code n} bytes at once. */
        public Builder maxDecodedBytes(long n) {
            maxDecodedBytes = n;
            return this;
        }

        /** Refuses encoded images with more than {@code n} pixels (from their header). */
        public Builder maxImagePixels(long n) {
            maxImagePixels = n;
            return this;
        }

        /** Decodes encoded images to at most {@code n} pixels (subsampling larger ones). */
        public Builder maxDecodedPixels(long n) {
            maxDecodedPixels = n;
            return this;
        }

        /** Serves on the in-process transport called {@code name} ({@code null} = Netty). */
        public Builder inProcessName(String name) {
            inProcessName = name;
            return this;
        }

        /** Also reports batcher events to {@code l}. */
        public Builder listener(BatcherListener l) {
            listener = l;
            return this;
        }

        /** Adds these extra interceptors (outermost first), replacing earlier ones. */
        public Builder interceptors(List<ServerInterceptor> list) {
            interceptors = list;
            return this;
        }

        /**
         * Returns the configuration.
         *
         * @throws IllegalArgumentException naming the first invalid option, its value and what is expected
         */
        public ServerConfig build() {
            return new ServerConfig(modelDir, host, port, metricsPort, maxBatchSize, maxDelay, maxQueue, batchers,
                    threads, eventLoopThreads, intraOpThreads, device, maxMessageBytes, streamInFlight, drainTimeout,
                    decodeThreads, maxDecodedBytes, maxImagePixels, maxDecodedPixels, inProcessName, listener,
                    interceptors, modelRepository, defaultModel, pollInterval, allowUnverified, httpPort, management);
        }
    }
}
