package dev.glyph.grpcserver;

import dev.glyph.inferencesdk.BatcherListener;
import dev.glyph.inferencesdk.Device;
import io.grpc.ServerInterceptor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * How a {@link GlyphServer} runs. A value: every "setter" returns a modified copy.
 *
 * <pre>{@code
 * ServerConfig c = ServerConfig.defaults(Path.of("models/mnist/1"))
 *         .port(50051).metricsPort(9464).maxBatchSize(64).maxDelay(Duration.ofMillis(2)).maxQueue(1024);
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param modelDir the model folder (see docs/model-folder.md)
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
 * @param maxMessageBytes largest accepted inbound message; larger ones get RESOURCE_EXHAUSTED
 * @param streamInFlight most requests of one {@code ClassifyStream} call read but not yet answered
 * @param drainTimeout how long a graceful shutdown waits for in-flight calls before cancelling them
 * @param inProcessName when not {@code null}, serve on the in-process transport of this name
 *     instead of Netty (tests and embedding); {@link #port()} is then ignored
 * @param listener an extra batcher listener, called after the server's own metrics listener
 * @param interceptors extra server interceptors (outermost first), inside the server's own
 *     metrics and status-guard interceptors
 */
public record ServerConfig(Path modelDir, String host, int port, int metricsPort, int maxBatchSize, Duration maxDelay,
        int maxQueue, int batchers, int threads, int eventLoopThreads, int intraOpThreads, Device device,
        int maxMessageBytes, int streamInFlight, Duration drainTimeout, String inProcessName, BatcherListener listener,
        List<ServerInterceptor> interceptors) {

    /** The default gRPC port. */
    public static final int DEFAULT_PORT = 50051;
    /** The default metrics port. */
    public static final int DEFAULT_METRICS_PORT = 9464;
    /** The default largest inbound message: 4 MiB. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

    /** Validates the fields. */
    public ServerConfig {
        if (modelDir == null) {
            throw new IllegalArgumentException("model folder is null; expected e.g. models/mnist/1");
        }
        if (inProcessName == null && (port < 0 || port > 65535)) {
            throw new IllegalArgumentException("port is " + port + "; expected 0..65535 (0 = any free port)");
        }
        if (metricsPort < -1 || metricsPort > 65535) {
            throw new IllegalArgumentException("metrics port is " + metricsPort
                    + "; expected 0..65535 (0 = any free port) or -1 (disabled)");
        }
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("max batch size is " + maxBatchSize + "; expected >= 1");
        }
        if (maxDelay == null || maxDelay.isNegative()) {
            throw new IllegalArgumentException("max delay is " + maxDelay + "; expected a duration >= 0");
        }
        if (maxQueue < 1) {
            throw new IllegalArgumentException("max queue is " + maxQueue + "; expected >= 1");
        }
        if (batchers < 0 || batchers > maxQueue) {
            throw new IllegalArgumentException("batchers is " + batchers + "; expected 0 (auto) or 1.." + maxQueue
                    + " (max queue)");
        }
        if (threads < 0) {
            throw new IllegalArgumentException("threads is " + threads + "; expected >= 0 (0 = run on transport threads)");
        }
        if (eventLoopThreads < 0) {
            throw new IllegalArgumentException("event loop threads is " + eventLoopThreads + "; expected >= 0 (0 = Netty default)");
        }
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intra-op threads is " + intraOpThreads + "; expected >= 0 (0 = auto)");
        }
        if (device == null) {
            throw new IllegalArgumentException("device is null; expected cpu or cuda:N");
        }
        if (maxMessageBytes < 1024) {
            throw new IllegalArgumentException("max message size is " + maxMessageBytes + " bytes; expected >= 1024");
        }
        if (streamInFlight < 1) {
            throw new IllegalArgumentException("stream in-flight bound is " + streamInFlight + "; expected >= 1");
        }
        if (drainTimeout == null || drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drain timeout is " + drainTimeout + "; expected a duration >= 0");
        }
        if (inProcessName != null && inProcessName.isBlank()) {
            throw new IllegalArgumentException("in-process name is blank; expected a name or null for Netty");
        }
        if (listener == null) {
            throw new IllegalArgumentException("listener is null; use BatcherListener.NONE");
        }
        if (interceptors == null) {
            throw new IllegalArgumentException("interceptors are null; use List.of()");
        }
        interceptors = List.copyOf(interceptors);
    }

    /**
     * Returns the defaults for {@code modelDir}: all interfaces, port 50051, metrics on 9464,
     * batches of up to 64 with a 2 ms delay, a queue of 1024 images, automatic batchers and model
     * threads (see {@link #effectiveBatchers()}), handlers on the transport threads, one Netty event
     * loop, CPU, 4 MiB messages, 16
     * in-flight requests per stream and a 20 s drain.
     */
    public static ServerConfig defaults(Path modelDir) {
        return new ServerConfig(modelDir, null, DEFAULT_PORT, DEFAULT_METRICS_PORT, 64, Duration.ofMillis(2), 1024,
                0, 0, 1, 0, Device.cpu(), DEFAULT_MAX_MESSAGE_BYTES, 16, Duration.ofSeconds(20), null,
                BatcherListener.NONE, List.of());
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

    /** Returns a copy binding {@code h} ({@code null} = all interfaces). */
    public ServerConfig host(String h) {
        return new ServerConfig(modelDir, h, port, metricsPort, maxBatchSize, maxDelay, maxQueue, batchers, threads,
                eventLoopThreads, intraOpThreads, device, maxMessageBytes, streamInFlight, drainTimeout,
                inProcessName, listener, interceptors);
    }

    /** Returns a copy serving gRPC on port {@code p} (0 = any free port). */
    public ServerConfig port(int p) {
        return new ServerConfig(modelDir, host, p, metricsPort, maxBatchSize, maxDelay, maxQueue, batchers, threads,
                eventLoopThreads, intraOpThreads, device, maxMessageBytes, streamInFlight, drainTimeout,
                inProcessName, listener, interceptors);
    }

    /** Returns a copy serving metrics on port {@code p} (0 = any free port, -1 = no metrics endpoint). */
    public ServerConfig metricsPort(int p) {
        return new ServerConfig(modelDir, host, port, p, maxBatchSize, maxDelay, maxQueue, batchers, threads,
                eventLoopThreads, intraOpThreads, device, maxMessageBytes, streamInFlight, drainTimeout,
                inProcessName, listener, interceptors);
    }

    /** Returns a copy forming batches of at most {@code n} images. */
    public ServerConfig maxBatchSize(int n) {
        return new ServerConfig(modelDir, host, port, metricsPort, n, maxDelay, maxQueue, batchers, threads,
                eventLoopThreads, intraOpThreads, device, maxMessageBytes, streamInFlight, drainTimeout,
                inProcessName, listener, interceptors);
    }

    /** Returns a copy waiting at most {@code d} for a batch to fill. */
    public ServerConfig maxDelay(Duration d) {
        return new ServerConfig(modelDir, host, port, metricsPort, maxBatchSize, d, maxQueue, batchers, threads,
                eventLoopThreads, intraOpThreads, device, maxMessageBytes, streamInFlight, drainTimeout,
                inProcessName, listener, interceptors);
    }

    /** Returns a copy queueing at most {@code n} images. */
    public ServerConfig maxQueue(int n) {
        return new ServerConfig(modelDir, host, port, metricsPort, maxBatchSize, maxDelay, n, batchers, threads,
                eventLoopThreads, intraOpThreads, device, maxMessageBytes, streamInFlight, drainTimeout,
                inProcessName, listener, interceptors);
    }

    /** Returns a copy with {@code n} batchers (worker threads sharing the model; 0 = auto). */
    public ServerConfig batchers(int n) {
        return new ServerConfig(modelDir, host, port, metricsPort, maxBatchSize, maxDelay, maxQueue, n, threads,
                eventLoopThreads, intraOpThreads, device, maxMessageBytes, streamInFlight, drainTimeout, inProcessName,
                listener, interceptors);
    }

    /** Returns a copy with {@code n} gRPC handler threads (0 = run handlers on the transport threads). */
    public ServerConfig threads(int n) {
        return new ServerConfig(modelDir, host, port, metricsPort, maxBatchSize, maxDelay, maxQueue, batchers, n,
                eventLoopThreads, intraOpThreads, device, maxMessageBytes, streamInFlight, drainTimeout,
                inProcessName, listener, interceptors);
    }

    /** Returns a copy with {@code n} Netty event-loop threads (0 = Netty default). */
    public ServerConfig eventLoopThreads(int n) {
        return new ServerConfig(modelDir, host, port, metricsPort, maxBatchSize, maxDelay, maxQueue, batchers,
                threads, n, intraOpThreads, device, maxMessageBytes, streamInFlight, drainTimeout, inProcessName,
                listener, interceptors);
    }

    /** Returns a copy with {@code n} ONNX Runtime intra-op threads per model call (0 = auto). */
    public ServerConfig intraOpThreads(int n) {
        return new ServerConfig(modelDir, host, port, metricsPort, maxBatchSize, maxDelay, maxQueue, batchers,
                threads, eventLoopThreads, n, device, maxMessageBytes, streamInFlight, drainTimeout, inProcessName,
                listener, interceptors);
    }

    /** Returns a copy running the model on {@code d}. */
    public ServerConfig device(Device d) {
        return new ServerConfig(modelDir, host, port, metricsPort, maxBatchSize, maxDelay, maxQueue, batchers,
                threads, eventLoopThreads, intraOpThreads, d, maxMessageBytes, streamInFlight, drainTimeout,
                inProcessName, listener, interceptors);
    }

    /** Returns a copy accepting inbound messages of at most {@code n} bytes. */
    public ServerConfig maxMessageBytes(int n) {
        return new ServerConfig(modelDir, host, port, metricsPort, maxBatchSize, maxDelay, maxQueue, batchers,
                threads, eventLoopThreads, intraOpThreads, device, n, streamInFlight, drainTimeout, inProcessName,
                listener, interceptors);
    }

    /** Returns a copy letting each stream have at most {@code n} requests read but unanswered. */
    public ServerConfig streamInFlight(int n) {
        return new ServerConfig(modelDir, host, port, metricsPort, maxBatchSize, maxDelay, maxQueue, batchers,
                threads, eventLoopThreads, intraOpThreads, device, maxMessageBytes, n, drainTimeout, inProcessName,
                listener, interceptors);
    }

    /** Returns a copy whose graceful shutdown waits at most {@code d} for in-flight calls. */
    public ServerConfig drainTimeout(Duration d) {
        return new ServerConfig(modelDir, host, port, metricsPort, maxBatchSize, maxDelay, maxQueue, batchers,
                threads, eventLoopThreads, intraOpThreads, device, maxMessageBytes, streamInFlight, d, inProcessName,
                listener, interceptors);
    }

    /** Returns a copy serving on the in-process transport called {@code name} ({@code null} = Netty). */
    public ServerConfig inProcessName(String name) {
        return new ServerConfig(modelDir, host, port, metricsPort, maxBatchSize, maxDelay, maxQueue, batchers,
                threads, eventLoopThreads, intraOpThreads, device, maxMessageBytes, streamInFlight, drainTimeout,
                name, listener, interceptors);
    }

    /** Returns a copy that also reports batcher events to {@code l}. */
    public ServerConfig listener(BatcherListener l) {
        return new ServerConfig(modelDir, host, port, metricsPort, maxBatchSize, maxDelay, maxQueue, batchers,
                threads, eventLoopThreads, intraOpThreads, device, maxMessageBytes, streamInFlight, drainTimeout,
                inProcessName, l, interceptors);
    }

    /** Returns a copy with these extra interceptors (outermost first). */
    public ServerConfig interceptors(List<ServerInterceptor> list) {
        return new ServerConfig(modelDir, host, port, metricsPort, maxBatchSize, maxDelay, maxQueue, batchers,
                threads, eventLoopThreads, intraOpThreads, device, maxMessageBytes, streamInFlight, drainTimeout,
                inProcessName, listener, list);
    }
}
