package dev.glyph.inferencesdk.internal;

import dev.glyph.inferencesdk.Prediction;

/**
 * Turns the model's {@code log_probs} rows into {@link Prediction}s: a numerically stable softmax
 * (subtract the row maximum, exponentiate and normalise in double precision), the arg-max label
 * and top-k ordering. Pure Java.
 *
 * <p>Thread-safety: stateless static methods.
 */
public final class Postprocessor {

    private Postprocessor() {
    }

    /**
     * Writes the softmax of {@code src[offset .. offset+n)} into {@code dst[0 .. n)}. A row
     * containing NaN yields NaN probabilities; a row whose entries are all {@code -Infinity} yields
     * a uniform distribution.
     */
    public static void softmax(float[] src, int offset, int n, float[] dst) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, src[offset + i]);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(dst, 0, n, 1.0f / n);
            return;
        }
        double sum = 0;
        double[] e = new double[n];
        for (int i = 0; i < n; i++) {
            e[i] = Math.exp(src[offset + i] - max);
            sum += e[i];
        }
        for (int i = 0; i < n; i++) {
            dst[i] = (float) (e[i] / sum);
        }
    }

    /** Returns the index of the largest value (ties and NaN: lowest index wins; NaN is never chosen over a number). */
    public static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best] || (Float.isNaN(values[best]) && !Float.isNaN(values[i]))) {
                best = i;
            }
        }
        return best;
    }

    /** Builds a prediction from one row of log-probabilities {@code logProbs[offset .. offset+classes)}. */
    public static Prediction fromLogProbs(float[] logProbs, int offset, int classes) {
        float[] p = new float[classes];
        softmax(logProbs, offset, classes, p);
        int label = argmax(p);
        return new Prediction(label, p[label], p, java.util.Arrays.copyOfRange(logProbs, offset, offset + classes));
    }

    /**
     * Returns the indices of the {@code k} largest values, largest first; ties go to the lower
     * index. {@code k} is capped at {@code values.length}.
     */
    public static int[] topK(float[] values, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k is " + k + "; expected >= 1");
        }
        int n = Math.min(k, values.length);
        int[] out = new int[n];
        boolean[] taken = new boolean[values.length];
        for (int r = 0; r < n; r++) {
            int best = -1;
            for (int i = 0; i < values.length; i++) {
                if (!taken[i] && (best < 0 || values[i] > values[best]
                        || (Float.isNaN(values[best]) && !Float.isNaN(values[i])))) {
                    best = i;
                }
            }
            taken[best] = true;
            out[r] = best;
        }
        return out;
    }
}
