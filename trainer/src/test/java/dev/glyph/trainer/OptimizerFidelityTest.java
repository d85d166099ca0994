package dev.glyph.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.glyph.trainer.internal.engine.EngineSetup;
import dev.glyph.trainer.internal.engine.Torch;
import dev.glyph.trainer.internal.loop.TrainingStep;
import dev.glyph.trainer.internal.model.NativeNet;
import dev.glyph.trainer.internal.model.WeightInit;
import dev.glyph.trainer.internal.optim.Optimizer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Java training step against PyTorch's own: fixed weights, one fixed batch and a fixed Dropout2d
 * mask, a few steps with a learning rate that changes every step (as under a schedule), and the
 * gradients and updated parameters of every step compared with {@code torch.optim} (python3-torch,
 * src/test/resources/fidelity/torch_steps.py) within 1e-5.
 */
class OptimizerFidelityTest {

    private static final int BATCH = 16;
    private static final double TOLERANCE = 1e-5;

    @TempDir
    Path dir;

    @BeforeAll
    static void torch() throws Exception {
        TorchScripts.requireTorch();
        EngineSetup.prepare();
    }

    static float[] lrs(OptimizerKind k) {
        return switch (k) {
            case SGD -> new float[] {0.05f, 0.05f, 0.02f};
            case MOMENTUM -> new float[] {0.05f, 0.02f, 0.01f, 0.03f};
            case ADAM -> new float[] {5e-4f, 2e-4f, 1e-3f, 5e-4f};
            case ADADELTA -> new float[] {1.0f, 0.5f, 1.0f};
        };
    }

    @ParameterizedTest
    @EnumSource(OptimizerKind.class)
    void step_changingLearningRate_matchesTorchOptim(OptimizerKind kind) throws Exception {
        float[] lrs = lrs(kind);
        ModelWeights init = WeightInit.pytorchDefault(3);
        SplittableRandom r = new SplittableRandom(11);
        float[] x = new float[BATCH * 784];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextDouble();
        }
        long[] y = new long[BATCH];
        for (int i = 0; i < y.length; i++) {
            y[i] = r.nextInt(10);
        }
        float keep = 1f / (1f - MnistNet.DROPOUT);
        float[] mask = new float[BATCH * 64];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = r.nextDouble() < MnistNet.DROPOUT ? 0f : keep;
        }
        writeInputs(kind, lrs, init, x, y, mask);

        List<float[]> java = javaSteps(kind, lrs, init, x, y, mask);
        String log = TorchScripts.python("/fidelity/torch_steps.py", dir.toString());
        float[] torch = readFloats(dir.resolve("out.f32"));

        int per = (int) MnistNet.PARAMETER_COUNT;
        assertEquals(2L * per * lrs.length, torch.length, "out.f32 size");
        StringBuilder report = new StringBuilder(kind + " vs torch.optim (max |Δ| per step):\n" + log);
        double worst = 0;
        double moved = 0;
        for (int t = 0; t < lrs.length; t++) {
            double dg = maxAbsDiff(java.get(2 * t), torch, 2L * t * per);
            double dp = maxAbsDiff(java.get(2 * t + 1), torch, (2L * t + 1) * per);
            moved = Math.max(moved, maxAbsDiff(java.get(2 * t + 1), flat(init), 0));
            report.append(String.format(Locale.ROOT, "  step %d lr %g: gradients %.3e, parameters %.3e%n",
                    t + 1, lrs[t], dg, dp));
            worst = Math.max(worst, Math.max(dg, dp));
        }
        System.out.print(report);
        assertTrue(moved > 1e-3, kind + " barely moved the parameters (max " + moved + "); the test would prove nothing");
        assertTrue(worst <= TOLERANCE, report.toString());
    }

    /** Per step: the gradients (dLoss/dParameter) and then the parameters after the update, flattened. */
    private List<float[]> javaSteps(OptimizerKind kind, float[] lrs, ModelWeights init, float[] x, long[] y,
            float[] mask) {
        TrainConfig cfg = TrainConfig.builder(dir, dir).optimizer(kind).momentum(0.9).build();
        List<float[]> out = new ArrayList<>();
        Device cpu = Device.cpu();
        try (PtNDManager root = (PtNDManager) NDManager.newBaseManager(cpu, "PyTorch"); // loads libtorch
                Torch.GradMode g = Torch.noGrad();
                NativeNet net = NativeNet.create(root, cpu, init, true)) {
            Optimizer opt = Optimizer.create(cfg, net.parameters(), root);
            TrainingStep step = new TrainingStep(net, opt, root, BATCH, MnistNet.DROPOUT);
            PtNDArray xd = NativeNet.upload(root, cpu, x, new Shape(BATCH, 1, 28, 28));
            PtNDArray yd = (PtNDArray) root.create(y);
            PtNDArray md = NativeNet.upload(root, cpu, mask, new Shape(BATCH, 64, 1, 1));
            for (float lr : lrs) {
                try (PtNDManager s = (PtNDManager) root.newSubManager()) {
                    step.backward(xd, yd, md, lr, s);
                    float scale = opt.gradientScale(lr);
                    float[] grads = new float[(int) MnistNet.PARAMETER_COUNT];
                    int off = 0;
                    for (PtNDArray p : net.parameters()) {
                        PtNDArray gr = (PtNDArray) p.getGradient();
                        gr.attach(s);
                        float[] a = gr.toFloatArray();
                        for (int i = 0; i < a.length; i++) {
                            grads[off + i] = a[i] / scale;
                        }
                        off += a.length;
                    }
                    out.add(grads);
                    opt.step(net.parameters(), lr, s);
                    out.add(flat(net.toWeights()));
                }
            }
        }
        return out;
    }

    private void writeInputs(OptimizerKind kind, float[] lrs, ModelWeights init, float[] x, long[] y, float[] mask)
            throws Exception {
        Map<String, Object> cfg = new LinkedHashMap<>();
        cfg.put("optimizer", kind.name().toLowerCase(Locale.ROOT));
        cfg.put("momentum", 0.9);
        List<Double> l = new ArrayList<>();
        for (float f : lrs) {
            l.add((double) f);
        }
        cfg.put("lrs", l);
        cfg.put("batch", BATCH);
        cfg.put("shapes", init.tensors().stream().map(Tensor::shape).toList());
        new ObjectMapper().writeValue(dir.resolve("config.json").toFile(), cfg);
        writeFloats(dir.resolve("params.f32"), flat(init));
        writeFloats(dir.resolve("x.f32"), x);
        writeFloats(dir.resolve("mask.f32"), mask);
        ByteBuffer b = ByteBuffer.allocate(y.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(y);
        Files.write(dir.resolve("y.i64"), b.array());
    }

    private static float[] flat(ModelWeights w) {
        float[] f = new float[(int) MnistNet.PARAMETER_COUNT];
        int off = 0;
        for (Tensor t : w.tensors()) {
            System.arraycopy(t.data(), 0, f, off, t.data().length);
            off += t.data().length;
        }
        return f;
    }

    private static double maxAbsDiff(float[] a, float[] b, long offset) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs((double) a[i] - b[(int) (offset + i)]));
        }
        return m;
    }

    private static void writeFloats(Path p, float[] f) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(f);
        Files.write(p, b.array());
    }

    private static float[] readFloats(Path p) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[b.remaining() / 4];
        b.asFloatBuffer().get(f);
        return f;
    }
}
