package dev.glyph.trainer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.trainer.internal.loop.Seeds;
import dev.glyph.trainer.internal.model.WeightInit;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class WeightInitTest {

    @Test
    void pytorchDefault_sameSeed_identicalAndWithinFanInBounds() {
        ModelWeights a = WeightInit.pytorchDefault(0);
        ModelWeights b = WeightInit.pytorchDefault(0);
        assertEquals(a, b);
        assertEquals(MnistNet.PARAMETER_COUNT, a.parameterCount());
        double[] fanIn = {9, 9, 288, 288, 9216, 9216, 128, 128};
        for (int i = 0; i < 8; i++) {
            float[] d = a.tensors().get(i).data();
            double bound = 1 / Math.sqrt(fanIn[i]);
            double max = 0;
            for (float v : d) {
                max = Math.max(max, Math.abs(v));
            }
            assertTrue(max <= bound * (1 + 1e-6), a.tensors().get(i).name() + " exceeds its bound");
            if (d.length >= 288) {
                assertTrue(max > 0.95 * bound, a.tensors().get(i).name() + " does not span its range");
            }
        }
    }

    @Test
    void pytorchDefault_otherSeed_differs() {
        assertFalse(Arrays.equals(WeightInit.pytorchDefault(0).get("fc1.weight").data(),
                WeightInit.pytorchDefault(1).get("fc1.weight").data()));
    }

    @Test
    void foldNormalization_conv1OnRawInput_equalsConv1OnStandardisedInput() {
        ModelWeights w = WeightInit.pytorchDefault(3);
        double mean = 0.1307;
        double std = 0.3081;
        ModelWeights f = WeightInit.foldNormalization(w, mean, std);
        SplittableRandom r = new SplittableRandom(5);
        float[] img = new float[784];
        for (int i = 0; i < img.length; i++) {
            img[i] = (float) r.nextDouble();
        }
        for (int o = 0; o < 32; o += 7) {
            for (int y = 0; y < 26; y += 5) {
                for (int x = 0; x < 26; x += 5) {
                    double viaNorm = w.get("conv1.bias").data()[o];
                    double viaFold = f.get("conv1.bias").data()[o];
                    for (int ky = 0; ky < 3; ky++) {
                        for (int kx = 0; kx < 3; kx++) {
                            double px = img[(y + ky) * 28 + x + kx];
                            viaNorm += w.get("conv1.weight").data()[o * 9 + ky * 3 + kx] * (px - mean) / std;
                            viaFold += f.get("conv1.weight").data()[o * 9 + ky * 3 + kx] * px;
                        }
                    }
                    assertEquals(viaNorm, viaFold, 1e-5);
                }
            }
        }
        assertArrayEquals(w.get("fc1.weight").data(), f.get("fc1.weight").data());
    }

    @Test
    void permutation_sameSeedAndEpoch_sameOrderOtherEpochDiffers() {
        long[] p1 = Seeds.permutation(0, 1, 1000);
        assertArrayEquals(p1, Seeds.permutation(0, 1, 1000));
        assertFalse(Arrays.equals(p1, Seeds.permutation(0, 2, 1000)));
        long[] sorted = p1.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            assertEquals(i, sorted[i]);
        }
    }
}
