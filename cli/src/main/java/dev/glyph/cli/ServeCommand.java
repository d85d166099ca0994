package dev.glyph.cli;

import dev.glyph.grpcserver.GlyphServer;
import dev.glyph.grpcserver.ServerConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code glyph serve}: serves a model folder over gRPC ({@code glyph.v1.Classifier}, health,
 * reflection) with server-side dynamic batching and Prometheus metrics, until SIGTERM or SIGINT.
 *
 * <pre>
 * glyph serve (--model models/mnist/1 | --model-repository models/) [--default-model NAME]
 *             [--poll-interval SECONDS] [--allow-unverified] [--allow-management] [--http-port 8000]
 *             [--port 50051] [--metrics-port 9464] [--max-batch 64]
 *             [--max-delay-us 2000] [--max-queue 1024] [--threads N] [--max-message-bytes 4194304]
 *             [--decode-threads 0] [--max-decoded-bytes 134217728] [--max-image-pixels 40000000]
 *             [--max-decoded-pixels 1048576] [--log-file FILE]
 * </pre>
 *
 * <p>Output: the {@code listening on} line once the models are loaded, {@code shutting down} when a signal
 * arrives and {@code stopped} at the end, on stdout; the library log shows warnings and errors on stderr
 * ({@code --verbose}: INFO too), and with {@code --log-file FILE} everything from INFO up goes to FILE.
 *
 * <p>Shutdown: the first SIGTERM/SIGINT starts a graceful shutdown (health NOT_SERVING, no new
 * calls, in-flight calls finish within {@code --drain-timeout}, batcher and model closed) and the
 * command returns 0; further signals during the drain are reported and ignored. A JVM shutdown hook
 * does the same graceful shutdown when the JVM exits any other way. Exit 1 if the model cannot be
 * loaded or a port cannot be bound, 2 on a usage error.
 *
 * <p>Thread-safety: a command instance serves one invocation; {@link #requestStop()} may be called
 * from any thread.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a model folder or a model repository over gRPC (glyph.v1 and the Open Inference Protocol)"
                + " and HTTP/REST, with server-side dynamic batching, a load gate and /metrics.")
public class ServeCommand extends GlyphSubcommand {

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    /** What to serve: one model folder, or a model repository. */
    static final class Source {
        @Option(names = "--model", required = true, paramLabel = "DIR",
                description = "One model folder, e.g. models/mnist/1 (a repository of one).")
        Path dir;

        @Option(names = "--model-repository", required = true, paramLabel = "DIR",
                description = "A model repository: every model under DIR/<name>/<version>/ (Triton's layout), each"
                        + " with the versions its DIR/<name>/config.pbtxt version_policy selects (default: the newest).")
        Path repository;
    }

    @Option(names = "--default-model", paramLabel = "NAME",
            description = "The model that answers requests naming none (default: the only model, else the first by name).")
    String defaultModel;

    @Option(names = "--poll-interval", paramLabel = "SECONDS",
            description = "Rescan the repository this often for new, changed and removed versions (default: only on"
                    + " explicit repository load/unload calls).")
    Double pollInterval;

    @Option(names = "--allow-unverified",
            description = "Serve versions that have no parity.json from glyph verify (a failing parity.json is still"
                    + " refused; the hashes, ONNX and self-test checks always run).")
    boolean allowUnverified;

    @Option(names = "--allow-management",
            description = "Allow the repository load/unload calls (gRPC and HTTP), from loopback clients only"
                    + " (default: off; the index is always readable).")
    boolean management;

    @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "8000",
            description = "Open Inference Protocol HTTP/REST port (also serves /metrics), 0 = any free port, -1 = off"
                    + " (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--host", paramLabel = "ADDR", description = "Address to bind (default: all interfaces).")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "50051",
            description = "gRPC port, 0 = any free port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "9464",
            description = "Prometheus /metrics port, 0 = any free port, -1 = off (default: ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(names = "--max-batch", paramLabel = "N", defaultValue = "64",
            description = "Most images per model call (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--max-delay-us", paramLabel = "US", defaultValue = "2000",
            description = "Longest wait for a batch to fill, microseconds (default: ${DEFAULT-VALUE}).")
    long maxDelayUs;

    @Option(names = "--max-queue", paramLabel = "N", defaultValue = "1024",
            description = "Most waiting images; beyond that RESOURCE_EXHAUSTED (default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(names = "--batchers", paramLabel = "N", defaultValue = "0",
            description = "Independent batchers (model worker threads) sharing the model; each holds"
                    + " max-queue/N images; 0 = one per core, at most 4 (default: ${DEFAULT-VALUE}).")
    int batchers;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "gRPC handler threads (they also send responses), 0 = run handlers on the Netty event loop"
                    + " (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--event-loop-threads", paramLabel = "N", defaultValue = "1",
            description = "Netty event-loop threads, 0 = Netty default (default: ${DEFAULT-VALUE}).")
    int eventLoopThreads;

    @Option(names = "--intra-op-threads", paramLabel = "N", defaultValue = "0",
            description = "ONNX Runtime intra-op threads per model call, 0 = half the cores over the batchers, at least 1"
                    + " (default: ${DEFAULT-VALUE}).")
    int intraOpThreads;

    @Mixin
    DeviceOption.CpuDefault device;

    @Option(names = "--max-message-bytes", paramLabel = "BYTES", defaultValue = "4194304",
            description = "Largest inbound message; larger ones get RESOURCE_EXHAUSTED (default: ${DEFAULT-VALUE}).")
    int maxMessageBytes;

    @Option(names = "--stream-in-flight", paramLabel = "N", defaultValue = "16",
            description = "Requests per ClassifyStream call read but not yet answered (default: ${DEFAULT-VALUE}).")
    int streamInFlight;

    @Option(names = "--decode-threads", paramLabel = "N", defaultValue = "0",
            description = "Threads decoding encoded (PNG/JPEG/BMP/GIF) images, never the event loop; 0 = half the cores,"
                    + " at least 1 (default: ${DEFAULT-VALUE}).")
    int decodeThreads;

    @Option(names = "--max-decoded-bytes", paramLabel = "BYTES", defaultValue = "134217728",
            description = "Most bytes images being decoded may hold at once (estimated from their headers, 36 per"
                    + " decoded pixel); beyond that RESOURCE_EXHAUSTED (default: ${DEFAULT-VALUE}).")
    long maxDecodedBytes;

    @Option(names = "--max-image-pixels", paramLabel = "N", defaultValue = "40000000",
            description = "Largest encoded image (width x height from its header); larger ones get INVALID_ARGUMENT"
                    + " without decoding (default: ${DEFAULT-VALUE}).")
    long maxImagePixels;

    @Option(names = "--max-decoded-pixels", paramLabel = "N", defaultValue = "1048576",
            description = "Most pixels an encoded image is decoded to; larger images are subsampled while decoding"
                    + " (default: ${DEFAULT-VALUE}).")
    long maxDecodedPixels;

    @Option(names = "--log-file", paramLabel = "FILE",
            description = "Append the library log (INFO and up, with timestamps) to FILE; warnings and errors still go"
                    + " to stderr too (default: warnings and errors on stderr only).")
    Path logFile;

    @Option(names = "--drain-timeout", paramLabel = "SECONDS", defaultValue = "20",
            description = "Graceful shutdown waits this long for in-flight calls (default: ${DEFAULT-VALUE}).")
    double drainTimeout;

    private final CountDownLatch stop = new CountDownLatch(1);
    private final AtomicInteger signals = new AtomicInteger();

    /** Asks a running {@link #call()} to shut down gracefully and return (what SIGTERM does). */
    public void requestStop() {
        stop.countDown();
    }

    @Override
    public Integer call() {
        PrintWriter out = out();
        PrintWriter err = err();
        ServerConfig config = fromOptions(() -> {
            if (!(drainTimeout >= 0)) {
                throw new IllegalArgumentException("--drain-timeout is " + drainTimeout + "; expected >= 0");
            }
            if (maxDelayUs < 0) {
                throw new IllegalArgumentException("--max-delay-us is " + maxDelayUs + "; expected >= 0");
            }
            if (pollInterval != null && !(pollInterval >= 0.1)) {
                throw new IllegalArgumentException("--poll-interval is " + pollInterval + "; expected >= 0.1 seconds");
            }
            if (pollInterval != null && source.repository == null) {
                throw new IllegalArgumentException("--poll-interval needs --model-repository; found --model " + source.dir);
            }
            ServerConfig.Builder b = source.repository != null ? ServerConfig.forRepository(source.repository)
                    : ServerConfig.builder(source.dir);
            return b.defaultModel(defaultModel).allowUnverified(allowUnverified).management(management).httpPort(httpPort)
                    .pollInterval(pollInterval == null ? null : Duration.ofMillis(Math.round(pollInterval * 1000)))
                    .host(host).port(port).metricsPort(metricsPort).maxBatchSize(maxBatch)
                    .maxDelay(Duration.ofNanos(maxDelayUs * 1000)).maxQueue(maxQueue).batchers(batchers).threads(threads)
                    .eventLoopThreads(eventLoopThreads).intraOpThreads(intraOpThreads).device(device.value().forSdk())
                    .maxMessageBytes(maxMessageBytes).streamInFlight(streamInFlight)
                    .decodeThreads(decodeThreads).maxDecodedBytes(maxDecodedBytes).maxImagePixels(maxImagePixels)
                    .maxDecodedPixels(maxDecodedPixels)
                    .drainTimeout(Duration.ofMillis(Math.round(drainTimeout * 1000))).build();
        });
        if (logFile != null && !dev.glyph.cli.internal.CliLogging.logFileApplied()) {
            err.println(Errors.prefix(spec) + "--log-file " + logFile + " is applied by ./glyph (dev.glyph.cli.Main) before"
                    + " logging starts; in this JVM the library log stays where it is");
            err.flush();
        }
        GlyphServer server;
        try {
            server = GlyphServer.open(config);
        } catch (Exception e) {
            return fail(e);
        }
        Thread hook = new Thread(server::close, "glyph-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        boolean signalsHandled = Signals.install(() -> {
            if (signals.incrementAndGet() > 1) {
                err.println(Errors.prefix(spec) + "already shutting down (in-flight calls get at most " + drainTimeout + " s)");
                err.flush();
            }
            requestStop();
        });
        String where = host == null ? "0.0.0.0" : host;
        out.println("glyph serve: " + (source.repository != null ? "model repository " + source.repository
                + " (" + String.join(", ", readyVersions(server)) + ")" : "model " + source.dir) + " listening on " + where + ":" + server.port() + " (gRPC)"
                + (server.metricsPort() >= 0 ? ", metrics on http://" + where + ":" + server.metricsPort() + "/metrics" : "")
                + (server.httpPort() >= 0 ? ", Open Inference Protocol HTTP/REST on http://" + where + ":" + server.httpPort() : "")
                + (signalsHandled ? "; SIGTERM or Ctrl-C stops" : ""));
        out.flush();
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        out.println("glyph serve: shutting down: no new calls, in-flight calls get up to " + drainTimeout + " s");
        out.flush();
        boolean clean = server.shutdown(config.drainTimeout());
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyExiting) {
            // the JVM is exiting; the hook's close() returns at once
        }
        out.println("glyph serve: stopped" + (clean ? "" : " (in-flight calls were cancelled after the drain timeout)"));
        out.flush();
        return 0;
    }

    private static java.util.List<String> readyVersions(GlyphServer server) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (dev.glyph.grpcserver.ModelStatus s : server.modelIndex()) {
            out.add(s.name() + "/" + s.version() + " " + s.state()
                    + (s.state() == dev.glyph.grpcserver.ModelStatus.State.READY ? "" : " (" + s.reason() + ")"));
        }
        return out;
    }
}
