package dev.glyph.exporter.internal;

import dev.glyph.trainer.TorchScriptModel;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A TorchScript file ({@code model.pt}) as a {@link FormatRunner}: loaded by libtorch through the
 * trainer's {@link TorchScriptModel} (DJL's PyTorch engine, CPU, eval mode, no autograd).
 *
 * <pre>{@code
 * try (TorchScriptRunner ts = TorchScriptRunner.open(dir.resolve("model.pt"))) {
 *     float[] logProbs = ts.logProbs(images, n, 256);
 * }
 * }</pre>
 *
 * <p>Thread-safety: not thread-safe. {@link #close()} is idempotent.
 */
public final class TorchScriptRunner implements FormatRunner {

    /** The format name. */
    public static final String FORMAT = "torchscript";

    private final TorchScriptModel model;

    private TorchScriptRunner(TorchScriptModel model) {
        this.model = model;
    }

    /**
     * Loads {@code file} (a {@code .pt} TorchScript archive).
     *
     * @throws IOException if the file is missing or libtorch cannot load it; the message names the file and
     *     carries the engine's first line
     */
    public static TorchScriptRunner open(Path file) throws IOException {
        return new TorchScriptRunner(TorchScriptModel.open(file));
    }

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public String engine() {
        return model.engine();
    }

    @Override
    public float[] logProbs(float[] images, int n, int batch) {
        FormatRunner.checkInput(images, n, batch);
        return model.logProbs(images, n, batch);
    }

    @Override
    public void close() {
        model.close();
    }
}
