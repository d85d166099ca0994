package dev.glyph.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Options that several commands declare identically, as picocli mixins ({@code @Mixin}); the
 * {@code --device} option is {@link DeviceOption}.
 *
 * <pre>{@code
 * @Mixin SharedOptions.ModelDir model;     // --model DIR, required
 * }</pre>
 *
 * <p>Thread-safety: one invocation per instance.
 */
final class SharedOptions {

    private SharedOptions() {
    }

    /** {@code --model DIR}, required ({@code serve}, {@code verify}, {@code bench sdk}). */
    static final class ModelDir {
        @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model folder, e.g. models/mnist/1.")
        Path dir;
    }

    /** {@code --dataset NAME}, default mnist ({@code fetch}, {@code train}, {@code classify}). */
    static final class DatasetName {
        @Option(names = "--dataset", defaultValue = "mnist", paramLabel = "NAME",
                description = "mnist or fashion-mnist (default: ${DEFAULT-VALUE}).")
        String name;
    }

    /** {@code --json}: print JSON instead of text ({@code export}, {@code verify}, {@code classify}, {@code bench}). */
    static final class Json {
        @Option(names = "--json", description = "Print the result as JSON instead of text.")
        boolean on;
    }

    /** {@code --batch-size N}, default 32, the reference tutorial's ({@code train}, {@code bench train}). */
    static final class BatchSize {
        @Option(names = "--batch-size", defaultValue = "32", paramLabel = "N", description = "Batch size (default: ${DEFAULT-VALUE}).")
        int value;
    }

    /**
     * {@code --allow-engine-download}: lift DJL's offline mode so that DJL may download the libtorch build
     * that matches the machine (CUDA when it has a GPU) when no native jar or {@code PYTORCH_LIBRARY_PATH}
     * provides one; the same as {@code GLYPH_ENGINE_DOWNLOAD=1} ({@code train}, {@code export},
     * {@code verify}, {@code bench train}, {@code doctor}: the commands that load libtorch). The
     * {@code ./glyph} launcher also leaves the bundled CPU jar off the class path then, since DJL prefers a
     * bundled libtorch to a download.
     */
    static final class EngineDownload {
        @Option(names = "--allow-engine-download",
                description = "Let DJL download the libtorch that matches this machine (CUDA on a GPU) into ~/.djl.ai"
                        + " instead of the bundled CPU one; same as GLYPH_ENGINE_DOWNLOAD=1 (default: offline).")
        void allow(boolean on) {
            if (on) {
                dev.glyph.trainer.TorchEngine.allowDownload();
            }
        }
    }
}
