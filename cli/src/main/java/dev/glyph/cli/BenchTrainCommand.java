package dev.glyph.cli;

import dev.glyph.benchmarks.TrainBenchmark;
import dev.glyph.trainer.DeviceChoice;
import dev.glyph.trainer.TrainingException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code glyph bench train}: Glyph's training throughput against the PyTorch reference in the same
 * run, alternating rounds; prints img/s per round and the ratio of medians.
 *
 * <p>Thread-safety: one invocation per instance.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Training img/s of Glyph vs the PyTorch reference (ref_train.py), same run, same settings.")
public final class BenchTrainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--data", defaultValue = "data/mnist", description = "MNIST folder (default: ${DEFAULT-VALUE}).")
    Path data;

    @Option(names = "--reference", defaultValue = "${env:GLYPH_HOME:-.}/../shared/reference/ref_train.py",
            description = "PyTorch reference script (default: ${DEFAULT-VALUE}); 'none' to skip it.")
    String reference;

    @Option(names = "--python", defaultValue = "/usr/bin/python3",
            description = "Python with torch for the reference (default: ${DEFAULT-VALUE}).")
    String python;

    @Option(names = "--limit", defaultValue = "12800", description = "Training images per epoch (default: ${DEFAULT-VALUE}).")
    int limit;

    @Option(names = "--threads", defaultValue = "2", description = "Intra-op threads, both sides (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--batch-size", defaultValue = "32", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--rounds", defaultValue = "3", description = "Alternating rounds of one epoch each (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--device", defaultValue = "cpu", description = "cpu or gpu (default: ${DEFAULT-VALUE}).")
    DeviceChoice device;

    @Option(names = "--json", description = "Print one JSON object with the results.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path ref = "none".equals(reference) ? null : Path.of(reference);
        if (ref != null && !Files.isRegularFile(ref)) {
            err.println("glyph bench train: reference script " + ref + " not found; pass --reference PATH or --reference none");
            return 2;
        }
        try {
            TrainBenchmark.Result r = TrainBenchmark.run(new TrainBenchmark.Settings(data, ref, python, limit, threads,
                    batchSize, rounds, device), line -> {
                        if (!json) {
                            out.println(line);
                            out.flush();
                        }
                    });
            if (json) {
                out.printf(Locale.ROOT, "{\"glyph_img_per_s\":%s,\"reference_img_per_s\":%s,\"reference_torch\":%s,"
                        + "\"ratio\":%.3f,\"limit\":%d,\"threads\":%d,\"batch_size\":%d}%n", r.glyph(), r.reference(),
                        r.referenceTorch() == null ? "null" : "\"" + r.referenceTorch() + "\"", r.ratio(), limit,
                        threads, batchSize);
            } else {
                out.printf(Locale.ROOT, "median glyph / median pytorch = %.2fx%n", r.ratio());
            }
            return 0;
        } catch (IOException | TrainingException e) {
            err.println("glyph bench train: " + Errors.oneLine(e));
            return 1;
        }
    }
}
