package dev.glyph.inferencesdk.internal;

import dev.glyph.inferencesdk.Prediction;

/**
 * Turns the model's {@code log_probs} rows into {@link Prediction}s: a numerically stable softmax
 * (subtract the row maximum, divide by the temperature, exponentiate and normalise in double precision), the
 * arg-max label and top-k ordering. Pure Java.
 *
 * <p>The temperature {@code T} is the manifest's {@code temperature_scaling.temperature} (1 without it):
 * probabilities are {@code softmax(log_probs / T)}, the prediction keeps the raw {@code log_probs}, and the label
 * is the arg-max of the raw row, the same for every {@code T}.
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
        softmax(src, offset, n, dst, 1.0);
    }

    /**
     * Writes {@code softmax(src[offset .. offset+n) / temperature)} into {@code dst[0 .. n)}, with the special
     * rows of {@link #softmax(float[], int, int, float[])}; at temperature 1 the two are bit-identical.
     *
     * @throws IllegalArgumentException if {@code temperature} is not a finite number > 0
     */
    public static void softmax(float[] src, int offset, int n, float[] dst, double temperature) {
        checkTemperature(temperature);
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
            e[i] = Math.exp((src[offset + i] - max) / temperature);
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
        return fromLogProbs(logProbs, offset, classes, 1.0);
    }

    /**
     * Builds a prediction from one row of log-probabilities {@code logProbs[offset .. offset+classes)} at
     * {@code temperature}: probabilities and confidence from {@code softmax(row / temperature)}, the label the
     * arg-max of the row (at temperature 1: of its softmax, as before temperatures), the log-probabilities the
     * raw row.
     *
     * @throws IllegalArgumentException if {@code temperature} is not a finite number > 0
     */
    public static Prediction fromLogProbs(float[] logProbs, int offset, int classes, double temperature) {
        float[] p = new float[classes];
        softmax(logProbs, offset, classes, p, temperature);
        float[] row = java.util.Arrays.copyOfRange(logProbs, offset, offset + classes);
        int label = temperature == 1.0 ? argmax(p) : argmax(row);
        return new Prediction(label, p[label], p, row);
    }

    private static void checkTemperature(double temperature) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature is " + temperature + "; expected a finite number > 0");
        }
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
