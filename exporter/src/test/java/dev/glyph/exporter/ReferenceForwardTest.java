package dev.glyph.exporter;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.trainer.MnistNet;
import dev.glyph.trainer.ModelWeights;
import dev.glyph.trainer.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

class ReferenceForwardTest {

    /** All-zero weights; callers set the few values a test needs. */
    private static final class Builder {
        final List<Tensor> tensors = new ArrayList<>();

        Builder() {
            for (MnistNet.ParameterSpec s : MnistNet.PARAMETERS) {
                tensors.add(new Tensor(s.name(), s.shape(), new float[(int) s.numel()]));
            }
        }

        float[] data(String name) {
            for (Tensor t : tensors) {
                if (t.name().equals(name)) {
                    return t.data();
                }
            }
            throw new IllegalArgumentException(name);
        }

        ModelWeights build() {
            return new ModelWeights(tensors);
        }
    }

    @Test
    void logProbs_randomWeights_rowsAreNormalisedDistributions() {
        ModelWeights w = TorchScriptFixtures.randomWeights(1);
        float[][] lp = ReferenceForward.logProbs(w, TorchScriptFixtures.randomImages(5, 2), 5);
        assertEquals(5, lp.length);
        for (float[] row : lp) {
            assertEquals(MnistNet.CLASSES, row.length);
            double sum = 0;
            for (float v : row) {
                assertTrue(v <= 0 && Float.isFinite(v), "log-prob " + v);
                sum += Math.exp(v);
            }
            assertEquals(1.0, sum, 1e-5);
        }
    }

    @Test
    void logProbs_onlyFc2Bias_equalsLogSoftmaxOfBias() {
        Builder b = new Builder();
        float[] bias = b.data("fc2.bias");
        for (int k = 0; k < bias.length; k++) {
            bias[k] = 0.3f * k - 1f;
        }
        float[][] lp = ReferenceForward.logProbs(b.build(), TorchScriptFixtures.randomImages(2, 3), 2);
        double logSum = 0;
        for (float v : bias) {
            logSum += Math.exp(v);
        }
        logSum = Math.log(logSum);
        for (float[] row : lp) {
            for (int k = 0; k < bias.length; k++) {
                assertEquals(bias[k] - logSum, row[k], 1e-6);
            }
        }
    }

    /**
     * A single signal path: conv1 channel 3 copies the pixel one step down-right, conv2 channel 5 copies conv1
     * channel 3 one step further, so conv2 channel 5 at (y, x) is pixel (y+2, x+2); fc1 unit 9 reads the pooled
     * value at channel 5, row 4, column 7 (flat index 5*144 + 4*12 + 7) and fc2 class 6 reads unit 9 times 2.
     * This pins the conv weight layout, pooling windows, flatten order and the [out, in] linear layout.
     */
    @Test
    void logProbs_singlePathWeights_classLogitIsTwiceTheMaxOfOnePoolWindow() {
        Builder b = new Builder();
        b.data("conv1.weight")[(3 * 1 + 0) * 9 + 4] = 1f;           // [3][0][1][1]
        b.data("conv2.weight")[(5 * 32 + 3) * 9 + 4] = 1f;          // [5][3][1][1]
        b.data("fc1.weight")[9 * 9216 + 5 * 144 + 4 * 12 + 7] = 1f; // [9][5,4,7]
        b.data("fc2.weight")[6 * 128 + 9] = 2f;                     // [6][9]
        float[] image = TorchScriptFixtures.randomImages(1, 4);
        float[][] lp = ReferenceForward.logProbs(b.build(), image, 1);

        int py = 4;
        int px = 7;
        double max = 0;
        for (int dy = 0; dy < 2; dy++) {
            for (int dx = 0; dx < 2; dx++) {
                max = Math.max(max, image[(2 * py + dy + 2) * 28 + (2 * px + dx + 2)]);
            }
        }
        double logit = 2 * max;
        double logSum = Math.log(Math.exp(logit) + 9);
        for (int k = 0; k < 10; k++) {
            double expected = (k == 6 ? logit : 0) - logSum;
            assertEquals(expected, lp[0][k], 1e-6, "class " + k);
        }
    }

    @Test
    void logProbs_negativeConvPath_reluBlocksSignalGivingUniform() {
        Builder b = new Builder();
        b.data("conv1.weight")[4] = -1f;                             // [0][0][1][1]: only negative outputs
        b.data("conv2.weight")[4] = 1f;                              // [0][0][1][1]
        b.data("fc1.weight")[0] = 1f;
        b.data("fc2.weight")[0] = 1f;
        float[] image = TorchScriptFixtures.randomImages(1, 5);
        float[][] lp = ReferenceForward.logProbs(b.build(), image, 1);
        for (float v : lp[0]) {
            assertEquals(-Math.log(10), v, 1e-6);
        }
    }

    @Test
    void logProbs_batch_equalsImagesOneByOne() {
        ModelWeights w = TorchScriptFixtures.randomWeights(6);
        float[] images = TorchScriptFixtures.randomImages(3, 7);
        float[][] batch = ReferenceForward.logProbs(w, images, 3);
        for (int i = 0; i < 3; i++) {
            float[] one = Arrays.copyOfRange(images, i * 784, (i + 1) * 784);
            assertArrayEquals(ReferenceForward.logProbs(w, one, 1)[0], batch[i]);
        }
    }

    @Test
    void logProbs_zeroImages_returnsEmpty() {
        assertEquals(0, ReferenceForward.logProbs(TorchScriptFixtures.randomWeights(1), new float[0], 0).length);
    }

    @Test
    void logProbs_wrongLength_throwsWithCounts() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ReferenceForward.logProbs(TorchScriptFixtures.randomWeights(1), new float[784 + 1], 1));
        assertTrue(e.getMessage().contains("785") && e.getMessage().contains("784"), e.getMessage());
    }
}
