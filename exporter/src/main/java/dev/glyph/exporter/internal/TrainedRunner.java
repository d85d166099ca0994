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
public final class TrainedRunner extends ChunkedRunner {

    /** The format name. */
    public static final String FORMAT = "trained";

    private final DjlModel model;

    private TrainedRunner(DjlModel model, String engine) {
        super(FORMAT, engine);
        this.model = model;
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
    void forward(float[] images, int from, int count, float[] out) {
        try {
            float[] lp = model.logProbs(Arrays.copyOfRange(images, from * PIXELS, (from + count) * PIXELS), count);
            System.arraycopy(lp, 0, out, from * CLASSES, lp.length);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("trained model (PyTorch via DJL): " + FormatRunner.firstLine(e), e);
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
