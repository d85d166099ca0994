package dev.glyph.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.glyph.benchmarks.SdkBenchmark;
import dev.glyph.client.HostPort;
import dev.glyph.loadgen.ServerBenchmark;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code glyph bench server}: closed-loop load against a running {@code glyph serve}, swept over
 * concurrency levels; prints throughput, latency percentiles, errors by status code and the mean
 * batch size the server formed (read from its {@code /metrics}).
 *
 * <pre>
 * glyph bench server --server localhost:50051 --concurrency 1,8,32,64 --duration 10s
 *                    [--images-per-request 1|64] [--metrics-port 9464 | --metrics-url URL] [--json]
 *                    [--sdk-model models/mnist/1] [--protocol glyph|oip|oip-http] [--model NAME]
 * </pre>
 *
 * <p>{@code --protocol oip} sends Open Inference Protocol {@code ModelInfer} calls over gRPC (UINT8 [N,28,28]
 * raw tensors, the same images); {@code oip-http} posts OIP JSON to {@code --server}, which is then the
 * server's HTTP address (e.g. localhost:8000).
 *
 * <p>The load comes from the {@code loadgen} module ({@link ServerBenchmark}); with
 * {@code --sdk-model} the same model is then also measured in-process with the SDK
 * ({@link SdkBenchmark}), for comparison.
 *
 * <p>With {@code --json}: one JSON object per concurrency level, then a last line holding the
 * whole sweep (and the SDK comparison under {@code "sdk"}). Exit 0 on success, 1 if the data cannot be loaded or the run fails, 2 on a usage error.
 *
 * <p>Thread-safety: a command instance serves one invocation.
 */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Closed-loop load test of a running glyph server over concurrency levels.")
public class BenchServerCommand extends GlyphSubcommand {

    @Option(names = "--server", required = true, paramLabel = "HOST:PORT", description = "The server, e.g. localhost:50051.")
    String server;

    @Option(names = "--concurrency", paramLabel = "C1,C2,...", split = ",", defaultValue = "1,8,32,64",
            description = "Closed-loop workers per point (default: ${DEFAULT-VALUE}).")
    List<Integer> concurrency = new ArrayList<>();

    @Option(names = "--duration", paramLabel = "TIME", defaultValue = "10s",
            description = "Measured time per point, e.g. 10s, 500ms, 1m (default: ${DEFAULT-VALUE}).")
    String duration;

    @Option(names = "--warmup", paramLabel = "TIME", defaultValue = "2s",
            description = "Unmeasured time before each point (default: ${DEFAULT-VALUE}).")
    String warmup;

    @Option(names = "--images-per-request", paramLabel = "N", defaultValue = "1",
            description = "Images per Classify call (default: ${DEFAULT-VALUE}).")
    int imagesPerRequest;

    @Option(names = "--mnist", paramLabel = "DIR", defaultValue = "data/mnist",
            description = "MNIST IDX folder; its test images make up the requests (default: ${DEFAULT-VALUE}).")
    Path mnist;

    @Option(names = "--metrics-port", paramLabel = "PORT", defaultValue = "9464",
            description = "The server's metrics port on the server's host, -1 = do not scrape (default: ${DEFAULT-VALUE}).")
    int metricsPort;

    @Option(names = "--metrics-url", paramLabel = "URL", description = "The server's /metrics URL (overrides --metrics-port).")
    String metricsUrl;

    @Option(names = "--protocol", paramLabel = "P", defaultValue = "glyph",
            description = "glyph (glyph.v1 Classify), oip (Open Inference Protocol ModelInfer over gRPC) or oip-http"
                    + " (OIP JSON over HTTP; --server is then the HTTP address) (default: ${DEFAULT-VALUE}).")
    String protocol;

    @Option(names = "--model", paramLabel = "NAME", defaultValue = "",
            description = "The model the requests name (default: the server's default model; mnist for OIP).")
    String model;

    @Option(names = "--sdk-model", paramLabel = "DIR",
            description = "Also benchmark this model folder in-process with the SDK after the sweep, for comparison.")
    Path sdkModel;

    @Mixin
    SharedOptions.Json json;

    /** Parses {@code 10s}, {@code 500ms}, {@code 2m} or plain seconds ({@code 7.5}). */
    static Duration parseDuration(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim()));
            }
            if (t.endsWith("m")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 60_000));
            }
            if (t.endsWith("s")) {
                t = t.substring(0, t.length() - 1);
            }
            return Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("duration is '" + text + "'; expected e.g. 10s, 500ms or 1m");
        }
    }

    /** Adds the SDK comparison as the {@code "sdk"} member of the sweep's JSON object. */
    static ObjectNode withSdk(ObjectNode sweep, SdkBenchmark.Result sdk) {
        if (sdk != null) {
            sweep.putObject("sdk").put("batch64_images_per_second", round(sdk.sdk64().imagesPerSecond(), 1))
                    .put("batcher_images_per_second", round(sdk.batcher().imagesPerSecond(), 1))
                    .put("batcher_callers", sdk.callers())
                    .put("batcher_mean_batch", round(sdk.batcherStats().meanBatchSize(), 2));
        }
        return sweep;
    }

    private static double round(double v, int digits) {
        return Double.isFinite(v) ? BigDecimal.valueOf(v).setScale(digits, RoundingMode.HALF_UP).doubleValue() : v;
    }

    @Override
    public Integer call() {
        PrintWriter out = out();
        ServerBenchmark.Config config = fromOptions(() -> {
            String url = metricsUrl;
            if (url == null && metricsPort >= 0) {
                url = "http://" + HostPort.parse(server).uriHost() + ":" + metricsPort + "/metrics";
            }
            return new ServerBenchmark.Config(server, concurrency, parseDuration(warmup), parseDuration(duration),
                    imagesPerRequest, mnist, url, ServerBenchmark.Protocol.of(protocol), model);
        });
        try {
            ServerBenchmark.Result r = ServerBenchmark.run(config, p -> {
                out.println(json.on ? p.json() : p.text());
                out.flush();
            });
            SdkBenchmark.Result sdk = sdkModel == null ? null : SdkBenchmark.run(new SdkBenchmark.Config(sdkModel,
                    config.warmup(), config.duration(), 0, 64, 1));
            if (json.on) {
                out.println(withSdk(r.jsonNode(), sdk));
            } else {
                out.print(r.table());
                if (sdk != null) {
                    out.printf(Locale.ROOT, "in-process SDK, same model: batch 64 %.1f img/s, batcher with %d callers"
                            + " %.1f img/s (mean batch %.1f)%n", sdk.sdk64().imagesPerSecond(), sdk.callers(),
                            sdk.batcher().imagesPerSecond(), sdk.batcherStats().meanBatchSize());
                }
            }
            out.flush();
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted", 1);
        } catch (Exception e) {
            return fail(e);
        }
    }
}
