package dev.glyph.trainer;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.training.ParameterStore;
import dev.glyph.trainer.internal.engine.Torch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A TorchScript file ({@code model.pt}) loaded by libtorch through DJL's PyTorch engine on the CPU,
 * in eval mode, evaluated without autograd: how the exporter checks that a written archive is one
 * libtorch runs.
 *
 * <pre>{@code
 * try (TorchScriptModel ts = TorchScriptModel.open(dir.resolve("model.pt"))) {
 *     float[] logProbs = ts.logProbs(images, n, 256);   // n*784 pixel/255 in, n*10 out
 * }
 * }</pre>
 *
 * <p>Thread-safety: not thread-safe; use one instance per thread. {@link #close()} is idempotent.
 */
public final class TorchScriptModel implements AutoCloseable {

    private static final int PIXELS = MnistNet.IMAGE_SIZE * MnistNet.IMAGE_SIZE;
    private static final int CLASSES = MnistNet.CLASSES;
    private final Path file;
    private final Model model;
    private final PtSymbolBlock block;
    private final String engine;
    private boolean closed;

    private TorchScriptModel(Path file, Model model, PtSymbolBlock block, String engine) {
        this.file = file;
        this.model = model;
        this.block = block;
        this.engine = engine;
    }

    /**
     * Loads {@code file} (a {@code .pt} TorchScript archive).
     *
     * @throws IOException if the file is missing or libtorch cannot load it; the message names the file
     *     and carries the engine's first line
     */
    public static TorchScriptModel open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " does not exist; expected a TorchScript archive");
        }
        String name = file.getFileName().toString();
        if (!name.endsWith(".pt")) {
            throw new IOException(file + ": expected a TorchScript file named *.pt");
        }
        try {
            TorchEngine.load();
        } catch (EngineUnavailableException e) {
            throw new IOException(file + ": cannot be run: " + e.getMessage(), e);
        }
        Model model = null;
        try {
            model = Model.newInstance(name, Device.cpu(), "PyTorch");
            model.load(file.toAbsolutePath().getParent(), name.substring(0, name.length() - 3));
            Block b = model.getBlock();
            if (!(b instanceof PtSymbolBlock sb)) {
                throw new IOException(file + ": DJL loaded a " + (b == null ? "null" : b.getClass().getSimpleName())
                        + " block; expected a TorchScript module");
            }
            String engine = "DJL " + Engine.getDjlVersion() + ", PyTorch " + Engine.getEngine("PyTorch").getVersion()
                    + ", cpu";
            return new TorchScriptModel(file, model, sb, engine);
        } catch (IOException e) {
            closeQuietly(model);
            if (e.getMessage() != null && e.getMessage().startsWith(file.toString())) {
                throw e;
            }
            throw new IOException(file + ": cannot be read as a TorchScript archive: " + firstLine(e), e);
        } catch (Exception | UnsatisfiedLinkError e) {
            // EngineException (corrupt zip, bad pickle, bad code), MalformedModelException and friends.
            closeQuietly(model);
            throw new IOException(file + ": PyTorch (DJL) cannot load it as a TorchScript module: " + firstLine(e), e);
        }
    }

    private static void closeQuietly(Model model) {
        if (model != null) {
            try {
                model.close();
            } catch (RuntimeException ignored) {
                // the load already failed; that is the error to report
            }
        }
    }

    /** The engine and device, e.g. {@code "DJL 0.36.0, PyTorch 2.7.1, cpu"}. */
    public String engine() {
        return engine;
    }

    /**
     * Returns eval-mode log-probabilities, row-major {@code [n,10]}, for {@code n} images of 784
     * floats (pixel/255), in chunks of at most {@code batch} images.
     *
     * @throws IllegalArgumentException if {@code images.length != n * 784} or {@code batch < 1}
     * @throws IllegalStateException if the module fails or returns another shape; the message names
     *     the file
     */
    public float[] logProbs(float[] images, int n, int batch) {
        if (closed) {
            throw new IllegalStateException("TorchScriptModel for " + file + " is closed");
        }
        if (batch < 1) {
            throw new IllegalArgumentException("batch size is " + batch + "; expected >= 1");
        }
        if (n < 0 || images == null || images.length != (long) n * PIXELS) {
            throw new IllegalArgumentException("expected " + n + " images of " + PIXELS + " floats ("
                    + (long) n * PIXELS + " values), found " + (images == null ? "null" : images.length + " values"));
        }
        float[] out = new float[n * CLASSES];
        try (Torch.GradMode g = Torch.noGrad()) {
            for (int from = 0; from < n; from += batch) {
                int bs = Math.min(batch, n - from);
                try (NDManager step = model.getNDManager().newSubManager()) {
                    NDArray x = step.create(Arrays.copyOfRange(images, from * PIXELS, (from + bs) * PIXELS),
                            new Shape(bs, 1, 28, 28));
                    NDList y = block.forward(new ParameterStore(step, false), new NDList(x), false);
                    if (y.size() != 1 || !y.head().getShape().equals(new Shape(bs, CLASSES))) {
                        throw new IllegalStateException(file + ": the TorchScript module returned "
                                + y.getShapes().length + " output(s) " + Arrays.toString(y.getShapes())
                                + "; expected one tensor of shape (" + bs + ", " + CLASSES + ")");
                    }
                    float[] lp = y.head().toFloatArray();
                    System.arraycopy(lp, 0, out, from * CLASSES, lp.length);
                }
            }
        } catch (IllegalStateException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new IllegalStateException(file + ": PyTorch (DJL) forward pass failed: " + firstLine(e), e);
        }
        return out;
    }

    private static String firstLine(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName()
                : m.strip().lines().findFirst().orElseThrow().strip();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            model.close();
        }
    }
}
