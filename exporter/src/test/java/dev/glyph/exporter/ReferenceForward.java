package dev.glyph.exporter;

import dev.glyph.trainer.MnistNet;
import dev.glyph.trainer.ModelWeights;

/**
 * A plain-Java (no native code) eval-mode {@code MnistNet} forward pass, used as the reference in parity tests.
 *
 * <p>Computes conv1 (3×3, stride 1, no padding) → ReLU → conv2 → ReLU → 2×2 max-pool → flatten (channel, row,
 * column order, as {@code torch.flatten(x, 1)} on NCHW) → fc1 → ReLU → fc2 → log-softmax, with every intermediate
 * in double precision. Dropout is the identity in eval mode. Direct loops; roughly tens of milliseconds per image.
 *
 * <pre>{@code
 * float[][] logProbs = ReferenceForward.logProbs(weights, images, n);   // images: n*784 values, pixel/255
 * }</pre>
 *
 * <p>Thread-safety: stateless; safe to call concurrently.
 */
public final class ReferenceForward {

    private static final int S0 = MnistNet.IMAGE_SIZE;   // 28
    private static final int C1 = 32;
    private static final int S1 = S0 - 2;                 // 26
    private static final int C2 = 64;
    private static final int S2 = S1 - 2;                 // 24
    private static final int PIXELS = S0 * S0;

    private ReferenceForward() {
    }

    /**
     * Returns the log-probabilities {@code [n][10]} for {@code n} images.
     *
     * @param w the weights
     * @param images {@code n * 784} values in NCHW order ({@code [n,1,28,28]}), pixel/255
     * @param n the number of images, {@code >= 0}
     * @throws IllegalArgumentException if {@code images} does not hold exactly {@code n * 784} values
     */
    public static float[][] logProbs(ModelWeights w, float[] images, int n) {
        if (w == null) {
            throw new IllegalArgumentException("weights are null");
        }
        if (n < 0) {
            throw new IllegalArgumentException("image count is " + n + "; expected >= 0");
        }
        if (images == null || images.length != (long) n * PIXELS) {
            throw new IllegalArgumentException("expected " + n + " images of 1x28x28 = " + ((long) n * PIXELS)
                    + " values but got " + (images == null ? "null" : images.length + " values"));
        }
        float[] conv1W = w.get("conv1.weight").data();
        float[] conv1B = w.get("conv1.bias").data();
        float[] conv2W = w.get("conv2.weight").data();
        float[] conv2B = w.get("conv2.bias").data();
        float[] fc1W = w.get("fc1.weight").data();
        float[] fc1B = w.get("fc1.bias").data();
        float[] fc2W = w.get("fc2.weight").data();
        float[] fc2B = w.get("fc2.bias").data();

        float[][] result = new float[n][];
        double[] input = new double[PIXELS];
        for (int img = 0; img < n; img++) {
            for (int i = 0; i < PIXELS; i++) {
                input[i] = images[img * PIXELS + i];
            }
            double[] a1 = conv3x3Relu(input, 1, S0, conv1W, conv1B, C1);
            double[] a2 = conv3x3Relu(a1, C1, S1, conv2W, conv2B, C2);
            double[] pooled = maxPool2(a2, C2, S2);
            double[] h = linear(pooled, fc1W, fc1B, MnistNet.HIDDEN);
            for (int i = 0; i < h.length; i++) {
                h[i] = Math.max(0.0, h[i]);
            }
            double[] logits = linear(h, fc2W, fc2B, MnistNet.CLASSES);
            result[img] = logSoftmax(logits);
        }
        return result;
    }

    /** Valid 3×3 convolution, stride 1, then ReLU. Input {@code [cin][size][size]}, weight {@code [cout][cin][3][3]}. */
    private static double[] conv3x3Relu(double[] in, int cin, int size, float[] weight, float[] bias, int cout) {
        int outSize = size - 2;
        double[] out = new double[cout * outSize * outSize];
        for (int oc = 0; oc < cout; oc++) {
            int outBase = oc * outSize * outSize;
            for (int i = 0; i < outSize * outSize; i++) {
                out[outBase + i] = bias[oc];
            }
            for (int ic = 0; ic < cin; ic++) {
                int inBase = ic * size * size;
                for (int ky = 0; ky < 3; ky++) {
                    for (int kx = 0; kx < 3; kx++) {
                        double k = weight[((oc * cin + ic) * 3 + ky) * 3 + kx];
                        for (int y = 0; y < outSize; y++) {
                            int inRow = inBase + (y + ky) * size + kx;
                            int outRow = outBase + y * outSize;
                            for (int x = 0; x < outSize; x++) {
                                out[outRow + x] += k * in[inRow + x];
                            }
                        }
                    }
                }
            }
        }
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.max(0.0, out[i]);
        }
        return out;
    }

    /** 2×2 max-pool, stride 2; output flattened in channel, row, column order. */
    private static double[] maxPool2(double[] in, int channels, int size) {
        int half = size / 2;
        double[] out = new double[channels * half * half];
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < half; y++) {
                for (int x = 0; x < half; x++) {
                    int i = c * size * size + 2 * y * size + 2 * x;
                    double m = Math.max(Math.max(in[i], in[i + 1]), Math.max(in[i + size], in[i + size + 1]));
                    out[(c * half + y) * half + x] = m;
                }
            }
        }
        return out;
    }

    /** {@code weight [out][in] · x + bias}. */
    private static double[] linear(double[] x, float[] weight, float[] bias, int outFeatures) {
        int in = x.length;
        double[] out = new double[outFeatures];
        for (int o = 0; o < outFeatures; o++) {
            double sum = bias[o];
            int row = o * in;
            for (int i = 0; i < in; i++) {
                sum += weight[row + i] * x[i];
            }
            out[o] = sum;
        }
        return out;
    }

    private static float[] logSoftmax(double[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : logits) {
            sum += Math.exp(v - max);
        }
        double logSum = max + Math.log(sum);
        float[] out = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = (float) (logits[i] - logSum);
        }
        return out;
    }
}
