package dev.glyph.exporter;

import dev.glyph.trainer.MnistNet;
import dev.glyph.trainer.ModelWeights;
import dev.glyph.trainer.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Seeded random weights and images for the ONNX tests. */
final class OnnxTestSupport {

    private OnnxTestSupport() {
    }

    /**
     * MnistNet weights drawn like PyTorch's default init: uniform in +-1/sqrt(fan_in), where fan_in is the
     * input width of the layer (in channels x 3 x 3 for a conv).
     */
    static ModelWeights randomWeights(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Tensor> tensors = new ArrayList<>();
        for (MnistNet.ParameterSpec spec : MnistNet.PARAMETERS) {
            String layer = spec.name().substring(0, spec.name().indexOf('.'));
            long fanIn = switch (layer) {
                case "conv1" -> 9;
                case "conv2" -> 32 * 9;
                case "fc1" -> MnistNet.FLAT;
                case "fc2" -> MnistNet.HIDDEN;
                default -> throw new IllegalStateException(layer);
            };
            double bound = 1.0 / Math.sqrt(fanIn);
            float[] data = new float[(int) spec.numel()];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) ((rnd.nextDouble() * 2 - 1) * bound);
            }
            tensors.add(new Tensor(spec.name(), spec.shape(), data));
        }
        return new ModelWeights(tensors);
    }

    /** {@code n} images of 28x28 uniform values in [0, 1), NCHW flattened. */
    static float[] randomImages(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[n * MnistNet.IMAGE_SIZE * MnistNet.IMAGE_SIZE];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextDouble();
        }
        return x;
    }
}
