package dev.glyph.evaluation;

import java.util.Arrays;
import java.util.Locale;

/**
 * A 10x10 confusion matrix: {@code counts[t][p]} images of true digit {@code t} predicted as {@code p}.
 *
 * <pre>{@code
 * ConfusionMatrix m = ConfusionMatrix.of(trueLabels, predictedLabels);
 * double acc = m.accuracy();                  // percent
 * double[] perClass = m.perClassAccuracy();   // percent, NaN for a digit with no images
 * String csv = m.toCsv();
 * }</pre>
 *
 * <p>Thread-safety: immutable (the counts are copied in and out).
 *
 * @param counts 10 rows (true digit) of 10 counts (predicted digit), each at least 0
 */
public record ConfusionMatrix(long[][] counts) {

    /** The number of classes. */
    public static final int CLASSES = 10;

    /** Validates the shape and copies the counts. */
    public ConfusionMatrix {
        if (counts == null || counts.length != CLASSES) {
            throw new IllegalArgumentException("confusion matrix has " + (counts == null ? "no" : counts.length)
                    + " rows; expected " + CLASSES);
        }
        long[][] copy = new long[CLASSES][];
        for (int t = 0; t < CLASSES; t++) {
            if (counts[t] == null || counts[t].length != CLASSES) {
                throw new IllegalArgumentException("confusion matrix row " + t + " has "
                        + (counts[t] == null ? "no" : counts[t].length) + " columns; expected " + CLASSES);
            }
            for (int p = 0; p < CLASSES; p++) {
                if (counts[t][p] < 0) {
                    throw new IllegalArgumentException("confusion count [" + t + "][" + p + "] is " + counts[t][p]
                            + "; expected >= 0");
                }
            }
            copy[t] = counts[t].clone();
        }
        counts = copy;
    }

    /**
     * Counts pairs of true and predicted labels.
     *
     * @throws IllegalArgumentException if the arrays differ in length or hold a label outside 0..9 (naming its index)
     */
    public static ConfusionMatrix of(int[] trueLabels, int[] predicted) {
        if (trueLabels == null || predicted == null || trueLabels.length != predicted.length) {
            throw new IllegalArgumentException("found " + (trueLabels == null ? "no" : trueLabels.length)
                    + " true labels and " + (predicted == null ? "no" : predicted.length)
                    + " predictions; expected the same number");
        }
        long[][] c = new long[CLASSES][CLASSES];
        for (int i = 0; i < trueLabels.length; i++) {
            int t = trueLabels[i];
            int p = predicted[i];
            if (t < 0 || t >= CLASSES || p < 0 || p >= CLASSES) {
                throw new IllegalArgumentException("pair " + i + " is (true " + t + ", predicted " + p
                        + "); expected labels 0..9");
            }
            c[t][p]++;
        }
        return new ConfusionMatrix(c);
    }

    /** Returns a copy of the counts. */
    @Override
    public long[][] counts() {
        long[][] copy = new long[CLASSES][];
        for (int t = 0; t < CLASSES; t++) {
            copy[t] = counts[t].clone();
        }
        return copy;
    }

    /** Returns the number of images of true digit {@code t} predicted as {@code p}. */
    public long count(int t, int p) {
        return counts[t][p];
    }

    /** Returns the number of images. */
    public long total() {
        long n = 0;
        for (long[] row : counts) {
            for (long v : row) {
                n += v;
            }
        }
        return n;
    }

    /** Returns the number of correctly classified images (the diagonal). */
    public long correct() {
        long n = 0;
        for (int t = 0; t < CLASSES; t++) {
            n += counts[t][t];
        }
        return n;
    }

    /** Returns the accuracy in percent, NaN when there are no images. */
    public double accuracy() {
        long n = total();
        return n == 0 ? Double.NaN : 100.0 * correct() / n;
    }

    /** Returns the number of images of each true digit. */
    public long[] support() {
        long[] s = new long[CLASSES];
        for (int t = 0; t < CLASSES; t++) {
            for (long v : counts[t]) {
                s[t] += v;
            }
        }
        return s;
    }

    /** Returns, per true digit, the percentage of its images classified correctly (NaN for a digit with none). */
    public double[] perClassAccuracy() {
        long[] s = support();
        double[] a = new double[CLASSES];
        for (int t = 0; t < CLASSES; t++) {
            a[t] = s[t] == 0 ? Double.NaN : 100.0 * counts[t][t] / s[t];
        }
        return a;
    }

    /** Returns the matrix as CSV: a header {@code true\pred,0,..,9}, then one row per true digit. */
    public String toCsv() {
        StringBuilder b = new StringBuilder("true\\pred");
        for (int p = 0; p < CLASSES; p++) {
            b.append(',').append(p);
        }
        b.append('\n');
        for (int t = 0; t < CLASSES; t++) {
            b.append(t);
            for (int p = 0; p < CLASSES; p++) {
                b.append(',').append(counts[t][p]);
            }
            b.append('\n');
        }
        return b.toString();
    }

    /** Returns the matrix as an aligned text table, rows the true digit, columns the prediction. */
    public String table() {
        long max = 1;
        for (long[] row : counts) {
            for (long v : row) {
                max = Math.max(max, v);
            }
        }
        int w = Math.max(3, Long.toString(max).length() + 1);
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-6s", "t\\p"));
        for (int p = 0; p < CLASSES; p++) {
            b.append(String.format(Locale.ROOT, "%" + w + "d", p));
        }
        b.append('\n');
        for (int t = 0; t < CLASSES; t++) {
            b.append(String.format(Locale.ROOT, "%-6d", t));
            for (int p = 0; p < CLASSES; p++) {
                b.append(String.format(Locale.ROOT, "%" + w + "d", counts[t][p]));
            }
            b.append('\n');
        }
        return b.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfusionMatrix m && Arrays.deepEquals(m.counts, counts);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(counts);
    }

    @Override
    public String toString() {
        return "ConfusionMatrix[total=" + total() + ", correct=" + correct() + "]";
    }
}
