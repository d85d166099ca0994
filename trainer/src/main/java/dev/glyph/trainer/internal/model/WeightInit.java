package dev.glyph.trainer.internal.model;

import dev.glyph.trainer.MnistNet;
import dev.glyph.trainer.ModelWeights;
import dev.glyph.trainer.Tensor;
import dev.glyph.trainer.internal.loop.Seeds;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Seeded initialisation and normalisation folding, in plain Java so they are identical on every
 * device and testable without native code.
 *
 * <p>Thread-safety: stateless.
 */
public final class WeightInit {

    private WeightInit() {
    }

    /**
     * PyTorch's default init for Conv2d and Linear: weights and biases uniform in
     * ±1/sqrt(fan_in) (kaiming_uniform with a = sqrt(5)), drawn from a generator seeded with {@code seed}.
     */
    public static ModelWeights pytorchDefault(long seed) {
        SplittableRandom r = new SplittableRandom(Seeds.mix(seed, 0x1417L));
        List<Tensor> ts = new ArrayList<>();
        long fanIn = 0;
        for (MnistNet.ParameterSpec s : MnistNet.PARAMETERS) {
            long[] shape = s.shape();
            if (shape.length > 1) {
                fanIn = 1;
                for (int i = 1; i < shape.length; i++) {
                    fanIn *= shape[i];
                }
            }
            // a bias uses the fan-in of the weight before it
            double bound = 1.0 / Math.sqrt(fanIn);
            float[] d = new float[(int) s.numel()];
            for (int i = 0; i < d.length; i++) {
                d[i] = (float) ((r.nextDouble() * 2 - 1) * bound);
            }
            ts.add(new Tensor(s.name(), shape, d));
        }
        return new ModelWeights(ts);
    }

    /**
     * Folds the input standardisation (x - mean) / std into conv1, so that the returned weights take
     * raw pixel/255 input. Exact for an unpadded convolution: w' = w / std and
     * b' = b - (mean / std) * sum(w) per output channel.
     */
    public static ModelWeights foldNormalization(ModelWeights w, double mean, double std) {
        List<Tensor> out = new ArrayList<>(w.tensors());
        Tensor cw = w.get("conv1.weight");
        Tensor cb = w.get("conv1.bias");
        long[] shape = cw.shape();
        int outCh = (int) shape[0];
        int per = cw.size() / outCh;
        float[] nw = new float[cw.size()];
        float[] nb = new float[cb.size()];
        for (int o = 0; o < outCh; o++) {
            double sum = 0;
            for (int k = 0; k < per; k++) {
                float v = cw.data()[o * per + k];
                sum += v;
                nw[o * per + k] = (float) (v / std);
            }
            nb[o] = (float) (cb.data()[o] - mean / std * sum);
        }
        out.set(0, new Tensor("conv1.weight", shape, nw));
        out.set(1, new Tensor("conv1.bias", cb.shape(), nb));
        return new ModelWeights(out);
    }
}
