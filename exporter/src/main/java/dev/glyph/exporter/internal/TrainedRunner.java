package dev.glyph.exporter.internal;

import ai.djl.engine.Engine;
import dev.glyph.trainer.DeviceChoice;
import dev.glyph.trainer.DjlModel;
import dev.glyph.trainer.ModelWeights;
import dev.glyph.trainer.TrainingException;
import java.util.Arrays;

/**
 * The trained model as the trainer evaluates it ({@link DjlModel} on DJL's PyTorch engine, CPU), as a
 * {@link FormatRunner}.
 *
 * <p>Thread-safety: not thread-safe. {@link #close()} is idempotent.
 */
public final class TrainedRunner implements FormatRunner {

    /** The format name. */
    public static final String FORMAT = "trained";

    private final DjlModel model;
    private final String engine;

    private TrainedRunner(DjlModel model, String engine) {
        this.model = model;
        this.engine = engine;
    }

    /**
     * Uploads {@code weights} to the CPU.
     *
     * @throws TrainingException if the engine cannot start
     */
    public static TrainedRunner open(ModelWeights weights) throws TrainingException {
        DjlModel m = DjlModel.open(weights, DeviceChoice.CPU);
        try {
            return new TrainedRunner(m, "DJL " + Engine.getDjlVersion() + ", PyTorch "
                    + Engine.getEngine("PyTorch").getVersion() + ", " + m.device().replace("()", "")
                    + " (trainer's MnistNet)");
        } catch (RuntimeException e) {
            m.close();
            throw new TrainingException("cannot describe the PyTorch engine: " + FormatRunner.firstLine(e), e);
        }
    }

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public String engine() {
        return engine;
    }

    @Override
    public float[] logProbs(float[] images, int n, int batch) {
        FormatRunner.checkInput(images, n, batch);
        float[] out = new float[n * CLASSES];
        try {
            for (int from = 0; from < n; from += batch) {
                int bs = Math.min(batch, n - from);
                float[] lp = model.logProbs(Arrays.copyOfRange(images, from * PIXELS, (from + bs) * PIXELS), bs);
                System.arraycopy(lp, 0, out, from * CLASSES, lp.length);
            }
        } catch (IllegalStateException e) {
            throw new IllegalStateException("trained model (PyTorch via DJL): " + FormatRunner.firstLine(e), e);
        }
        return out;
    }

    @Override
    public void close() {
        model.close();
    }
}
