package dev.glyph.cli;

import dev.glyph.benchmarks.TrainBenchmark;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code glyph bench train}: Glyph's training throughput against the project's PyTorch reference
 * ({@code benchmarks/reference/ref_train.py}) in the same run: one untimed warm-up round per side,
 * then alternating timed rounds, the reference in one warm Python process per malloc variant
 * (glibc defaults and Glyph's settings). Prints img/s per round, the medians and the ratio of
 * medians against the faster reference variant; with {@code --json} one JSON object.
 *
 * <pre>
 * glyph bench train --data data/mnist --limit 12800 --threads 2 --rounds 5 [--json]
 * </pre>
 *
 * <p>Exit 0 on success; 1 if the reference's torch runs on the netlib reference BLAS (the message
 * names the package to install) or a run fails; 2 on a usage error.
 *
 * <p>Thread-safety: one invocation per instance.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Training img/s of Glyph vs the PyTorch reference (benchmarks/reference/ref_train.py), same run.")
public final class BenchTrainCommand extends GlyphSubcommand {

    @Option(names = "--data", defaultValue = "data/mnist", description = "MNIST folder (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--reference", defaultValue = "${env:GLYPH_HOME:-.}/benchmarks/reference/ref_train.py",
            description = "PyTorch reference script (default: ${DEFAULT-VALUE}); 'none' to measure Glyph only.")
    String reference;

    @Option(names = "--python", defaultValue = "/usr/bin/python3",
            description = "Python with torch for the reference (default: ${DEFAULT-VALUE}).")
    String python;

    @Option(names = "--limit", defaultValue = "12800",
            description = "Training images per round, both sides, 0 = all (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--threads", defaultValue = "2", description = "Intra-op threads, both sides (default: ${DEFAULT-VALUE}).")
    int threads;

    @Mixin
    SharedOptions.BatchSize batchSize;

    @Option(names = "--rounds", defaultValue = "5",
            description = "Timed rounds of one epoch per side, after one warm-up round each (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Mixin
    DeviceOption.CpuDefault device;

    @Mixin
    SharedOptions.EngineDownload engineDownload;

    @Mixin
    SharedOptions.Json json;

    @Override
    public Integer call() {
        Path ref = "none".equals(reference) ? null : Path.of(reference);
        if (ref != null && !Files.isRegularFile(ref)) {
            return fail("reference script " + ref + " not found; pass --reference PATH or --reference none", 2);
        }
        TrainBenchmark.Settings settings = fromOptions(() -> new TrainBenchmark.Settings(data, ref, python, limit,
                threads, batchSize.value, rounds, device.value().forTrainer()));
        try {
            TrainBenchmark.Result r = TrainBenchmark.run(settings, line -> {
                if (!json.on) {
                    out().println(line);
                    out().flush();
                }
            });
            out().print(json.on ? r.toJson() + System.lineSeparator() : r.summary());
            out().flush();
            return 0;
        } catch (Exception e) {
            return fail(e);
        }
    }
}
