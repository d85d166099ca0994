package dev.glyph.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code glyph bench}: the benchmarks behind BENCHMARKS.md. Each subcommand measures Glyph against a
 * reference in the same run and reports ratios.
 *
 * <p>Thread-safety: one invocation per instance.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: training vs PyTorch, the SDK vs raw ONNX Runtime, the gRPC server.",
        subcommands = {BenchTrainCommand.class, BenchSdkCommand.class, BenchServerCommand.class})
public final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
