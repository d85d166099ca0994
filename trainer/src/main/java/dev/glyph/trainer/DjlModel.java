package dev.glyph.trainer;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import dev.glyph.trainer.internal.engine.Torch;
import dev.glyph.trainer.internal.model.NativeNet;

/**
 * The trained MnistNet evaluated on DJL's PyTorch engine, exactly as the trainer evaluates it: the
 * "trained model" side of every parity check.
 *
 * <pre>{@code
 * try (DjlModel m = DjlModel.open(TrainedRun.open(runDir).weights(), DeviceChoice.CPU)) {
 *     float[] logProbs = m.logProbs(images, n);   // n*784 pixel/255 in, n*10 out
 * }
 * }</pre>
 *
 * <p>Thread-safety: not thread-safe; use one instance per thread. {@link #close()} is idempotent.
 */
public final class DjlModel implements AutoCloseable {

    private static final int BATCH = 200;
    private final PtNDManager root;
    private final NativeNet net;
    private boolean closed;

    private DjlModel(PtNDManager root, NativeNet net) {
        this.root = root;
        this.net = net;
    }

    /**
     * Uploads {@code weights} to the chosen device.
     *
     * @throws TrainingException if the device is unavailable or the engine fails to load
     */
    public static DjlModel open(ModelWeights weights, DeviceChoice choice) throws TrainingException {
        Device device = Devices.select(choice, TorchEngine.load().gpuCount());
        PtNDManager root = null;
        try {
            root = (PtNDManager) NDManager.newBaseManager(device, "PyTorch");
            return new DjlModel(root, NativeNet.create(root, device, weights, false));
        } catch (EngineException | UnsatisfiedLinkError e) {
            if (root != null) {
                root.close();
            }
            throw new TrainingException("cannot start the PyTorch engine on " + device + ": " + e.getMessage(), e);
        }
    }

    /** The device the model runs on, e.g. {@code cpu()}. */
    public String device() {
        return net.device().toString();
    }

    /**
     * Returns eval-mode log-probabilities, row-major [n,10], for {@code n} images of 784 floats
     * (pixel/255).
     *
     * @throws IllegalArgumentException if {@code images.length != n * 784}
     */
    public float[] logProbs(float[] images, int n) {
        if (closed) {
            throw new IllegalStateException("DjlModel is closed");
        }
        int px = MnistNet.IMAGE_SIZE * MnistNet.IMAGE_SIZE;
        if (n < 0 || images == null || images.length != (long) n * px) {
            throw new IllegalArgumentException("expected " + n + " images of " + px + " floats ("
                    + (long) n * px + " values), found " + (images == null ? "null" : images.length + " values"));
        }
        float[] out = new float[n * MnistNet.CLASSES];
        try (Torch.GradMode g = Torch.noGrad()) {
            for (int from = 0; from < n; from += BATCH) {
                int bs = Math.min(BATCH, n - from);
                try (PtNDManager step = (PtNDManager) root.newSubManager()) {
                    float[] chunk = java.util.Arrays.copyOfRange(images, from * px, (from + bs) * px);
                    PtNDArray x = NativeNet.upload(step, net.device(), chunk, new Shape(bs, 1, 28, 28));
                    float[] lp = net.forward(x, null, step).toFloatArray();
                    System.arraycopy(lp, 0, out, from * MnistNet.CLASSES, lp.length);
                }
            }
        } catch (EngineException e) {
            throw new IllegalStateException("PyTorch engine failed: " + e.getMessage(), e);
        }
        return out;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            net.close();
            root.close();
        }
    }
}
