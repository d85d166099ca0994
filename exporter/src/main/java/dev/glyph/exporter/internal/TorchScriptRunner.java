package dev.glyph.exporter.internal;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A TorchScript file ({@code model.pt}) loaded through DJL's PyTorch engine on the CPU, in eval mode,
 * evaluated without autograd.
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

    private final Path file;
    private final Model model;
    private final PtSymbolBlock block;
    private final String engine;
    private boolean closed;

    private TorchScriptRunner(Path file, Model model, PtSymbolBlock block, String engine) {
        this.file = file;
        this.model = model;
        this.block = block;
        this.engine = engine;
    }

    /**
     * Loads {@code file} (a {@code .pt} TorchScript archive).
     *
     * @throws IOException if the file is missing or libtorch cannot load it; the message names the file and
     *     carries the engine's first line
     */
    public static TorchScriptRunner open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " does not exist; expected a TorchScript archive");
        }
        String name = file.getFileName().toString();
        if (!name.endsWith(".pt")) {
            throw new IOException(file + ": expected a TorchScript file named *.pt");
        }
        DjlSetup.prepare();
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
            return new TorchScriptRunner(file, model, sb, engine);
        } catch (IOException e) {
            closeQuietly(model);
            if (e.getMessage() != null && e.getMessage().startsWith(file.toString())) {
                throw e;
            }
            throw new IOException(file + ": cannot be read as a TorchScript archive: " + FormatRunner.firstLine(e), e);
        } catch (Exception | UnsatisfiedLinkError e) {
            // EngineException (corrupt zip, bad pickle, bad code), MalformedModelException and friends.
            closeQuietly(model);
            throw new IOException(file + ": PyTorch (DJL) cannot load it as a TorchScript module: "
                    + FormatRunner.firstLine(e), e);
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
        if (closed) {
            throw new IllegalStateException("TorchScriptRunner for " + file + " is closed");
        }
        FormatRunner.checkInput(images, n, batch);
        float[] out = new float[n * CLASSES];
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
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
            throw new IllegalStateException(file + ": PyTorch (DJL) forward pass failed: " + FormatRunner.firstLine(e),
                    e);
        } finally {
            JniUtils.setGradMode(grad);
        }
        return out;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            model.close();
        }
    }
}
