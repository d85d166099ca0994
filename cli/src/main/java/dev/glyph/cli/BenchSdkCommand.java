package dev.glyph.cli;

import dev.glyph.benchmarks.SdkBenchmark;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code glyph bench sdk}: raw ONNX Runtime vs the inference SDK at batch 1 and 64, and the dynamic
 * batcher with concurrent single-image callers vs raw batch 64, in one run.
 *
 * <pre>
 * glyph bench sdk --model models/mnist/1 --duration 5 [--json]
 * glyph bench sdk --model models/mnist/1 --compare models/mnist/2 --threads 2 [--duration 5] [--json]
 * </pre>
 *
 * <p>With {@code --compare}, the two model folders (say fp32 version 1 and int8 version 2) run through the SDK at
 * batch 1 and 64 in one interleaved run, and the table sets each figure against the box's fp32 and int8 rooflines
 * (cores × GHz × operations per cycle, from /proc/cpuinfo; the assumptions are printed).
 *
 * <p>Exit 0 on success, 1 if the model cannot be loaded or a run fails, 2 on a usage error.
 *
 * <p>Thread-safety: a command instance serves one invocation.
 */
@Command(name = "sdk", mixinStandardHelpOptions = true,
        description = "Benchmark raw ONNX Runtime vs the SDK (batch 1 and 64) and the dynamic batcher.")
public class BenchSdkCommand extends GlyphSubcommand {

    @Mixin
    SharedOptions.ModelDir model;

    @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "5",
            description = "Measured seconds per case (default: ${DEFAULT-VALUE}).")
    double duration;

    @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "2",
            description = "Warm-up seconds per case (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "ONNX Runtime intra-op threads, 0 = its default (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--callers", paramLabel = "N", defaultValue = "32",
            description = "Concurrent single-image callers for the batcher case (default: ${DEFAULT-VALUE}).")
    int callers;

    @Option(names = "--rounds", paramLabel = "N", defaultValue = "3",
            description = "Interleaved rounds of raw vs SDK cases (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--compare", paramLabel = "DIR",
            description = "A second model folder to compare with --model at batch 1 and 64 (e.g. the int8 version).")
    Path compare;

    @Mixin
    SharedOptions.Json json;

    @Override
    public Integer call() {
        if (!(duration > 0) || !(warmup >= 0) || threads < 0 || callers < 1 || rounds < 1) {
            throw usage("need --duration > 0, --warmup >= 0, --threads >= 0,"
                    + " --callers >= 1, --rounds >= 1");
        }
        PrintWriter out = out();
        if (compare != null) {
            try {
                SdkBenchmark.Comparison c = SdkBenchmark.compare(new SdkBenchmark.CompareConfig(model.dir, compare,
                        Duration.ofMillis(Math.round(warmup * 1000)), Duration.ofMillis(Math.round(duration * 1000)),
                        threads, rounds));
                out.print(json.on ? c.toJson() + System.lineSeparator() : c.table());
                out.flush();
                return 0;
            } catch (Exception e) {
                return fail(e);
            }
        }
        try {
            SdkBenchmark.Result r = SdkBenchmark.run(new SdkBenchmark.Config(model.dir,
                    Duration.ofMillis(Math.round(warmup * 1000)), Duration.ofMillis(Math.round(duration * 1000)),
                    threads, callers, rounds));
            out.print(json.on ? r.toJson() + System.lineSeparator() : r.table());
            out.flush();
            return 0;
        } catch (Exception e) {
            return fail(e);
        }
    }
}
