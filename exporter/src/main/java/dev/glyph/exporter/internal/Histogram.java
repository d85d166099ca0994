package dev.glyph.exporter.internal;

/**
 * What calibration saw of one tensor: its minimum and maximum (first pass) and a histogram of absolute values
 * over {@code [0, max |x|]} in {@value #BINS} bins (second pass), from which the three calibration methods pick
 * the range to quantise:
 * <ul>
 * <li><b>minmax</b>: the observed {@code [min, max]};</li>
 * <li><b>percentile</b>: the smallest threshold {@code t} with at least {@code p} % of the |x| values
 *     {@code <= t} (the upper edge of the bin where the cumulative count reaches p %);</li>
 * <li><b>entropy</b>: TensorRT's entropy calibration: for each candidate threshold bin {@code i} from
 *     {@value #LEVELS} to {@value #BINS}, the reference distribution P is the first i bins with every count beyond
 *     them added to bin i-1; Q is those first i bins merged into {@value #LEVELS} levels and expanded back
 *     (each level's count spread evenly over the bins of the level that were non-empty); the threshold
 *     {@code (i + 0.5) * binWidth} with the smallest KL(P || Q) wins.</li>
 * </ul>
 * A tensor with negative values gets a symmetric range {@code [-t, t]} from percentile and entropy; a
 * non-negative one (a ReLU output) {@code [0, t]}. Values that are exactly 0 (most of a ReLU output) are counted
 * apart from the bins: percentile counts them in the first bin, entropy leaves them out, because the zero point
 * represents them exactly and their spike in the first bin would otherwise dominate the divergence and make it
 * clip far too much.
 *
 * <pre>{@code
 * Histogram h = new Histogram("relu1_out");
 * h.observeRange(batch);          // pass 1, every batch
 * h.startCounting();
 * h.count(batch);                 // pass 2, every batch
 * double[] range = h.range(CalibrationMethod.ENTROPY, 99.99);
 * }</pre>
 *
 * <p>Thread-safety: not thread-safe; one calibration thread feeds it.
 */
public final class Histogram {

    /** Histogram bins, as TensorRT's entropy calibrator. */
    public static final int BINS = 2048;
    /** Quantised levels the entropy method compares against (TensorRT's 128: the non-negative half of int8). */
    public static final int LEVELS = 128;

    private final String tensor;
    private double min = Double.POSITIVE_INFINITY;
    private double max = Double.NEGATIVE_INFINITY;
    private long values;
    private long[] bins;
    private long zeros;
    private double binWidth;

    /** Creates an empty histogram for {@code tensor}. */
    public Histogram(String tensor) {
        this.tensor = tensor;
    }

    /** The tensor's name. */
    public String tensor() {
        return tensor;
    }

    /**
     * Pass 1: widens the observed range to the values of {@code batch}.
     *
     * @throws IllegalArgumentException if a value is NaN or infinite
     */
    public void observeRange(float[] batch) {
        if (bins != null) {
            throw new IllegalStateException("observeRange after startCounting for " + tensor);
        }
        for (float v : batch) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException(tensor + " holds " + v + "; expected finite activations");
            }
            if (v < min) {
                min = v;
            }
            if (v > max) {
                max = v;
            }
        }
        values += batch.length;
    }

    /** Ends pass 1: fixes the bins over {@code [0, max |x|]}. */
    public void startCounting() {
        if (values == 0) {
            throw new IllegalStateException("no values were observed for " + tensor);
        }
        double maxAbs = Math.max(Math.abs(min), Math.abs(max));
        binWidth = maxAbs > 0 ? maxAbs / BINS : 1.0 / BINS;
        bins = new long[BINS];
    }

    /** Pass 2: counts |x| of {@code batch} into the bins. */
    public void count(float[] batch) {
        if (bins == null) {
            throw new IllegalStateException("count before startCounting for " + tensor);
        }
        for (float v : batch) {
            if (v == 0) {
                zeros++;
                continue;
            }
            int b = (int) (Math.abs((double) v) / binWidth);
            bins[Math.min(BINS - 1, b)]++;
        }
    }

    /** The smallest value observed. */
    public double min() {
        return min;
    }

    /** The largest value observed. */
    public double max() {
        return max;
    }

    /** Values observed in pass 1. */
    public long values() {
        return values;
    }

    /** Values of pass 2 that were exactly 0 (not in {@link #bins()}). */
    public long zeros() {
        return zeros;
    }

    /** The bin counts of pass 2 without the exact zeros (a copy), or null before {@link #startCounting()}. */
    public long[] bins() {
        return bins == null ? null : bins.clone();
    }

    /** The width of one bin. */
    public double binWidth() {
        return binWidth;
    }

    /**
     * Returns the range {@code [lo, hi]} to quantise for the method.
     *
     * @param percentile for {@code PERCENTILE}, in (0, 100]
     * @throws IllegalStateException if the method needs the histogram and pass 2 has not run
     */
    public double[] range(dev.glyph.exporter.CalibrationMethod method, double percentile) {
        if (values == 0) {
            throw new IllegalStateException("no values were observed for " + tensor);
        }
        if (method == dev.glyph.exporter.CalibrationMethod.MINMAX) {
            return new double[] {min, max};
        }
        if (bins == null) {
            throw new IllegalStateException(method.id() + " calibration of " + tensor + " needs the histogram pass");
        }
        double t;
        if (method == dev.glyph.exporter.CalibrationMethod.PERCENTILE) {
            long[] withZeros = bins.clone();
            withZeros[0] += zeros;
            t = percentileThreshold(withZeros, binWidth, percentile);
        } else {
            t = entropyThreshold(bins, binWidth);
        }
        return min < 0 ? new double[] {-t, t} : new double[] {0, Math.min(t, max)};
    }

    /** The upper edge of the bin where the cumulative count first reaches {@code p} % of all counts. */
    static double percentileThreshold(long[] bins, double binWidth, double p) {
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile is " + p + "; expected (0, 100]");
        }
        long total = 0;
        for (long b : bins) {
            total += b;
        }
        double target = total * (p / 100.0);
        long cum = 0;
        for (int i = 0; i < bins.length; i++) {
            cum += bins[i];
            if (cum >= target) {
                return (i + 1) * binWidth;
            }
        }
        return bins.length * binWidth;
    }

    /** TensorRT's entropy threshold; see the class comment. Ties go to the smaller threshold. */
    static double entropyThreshold(long[] bins, double binWidth) {
        int n = bins.length;
        if (n <= LEVELS) {
            return n * binWidth;
        }
        double best = Double.POSITIVE_INFINITY;
        int bestI = n;
        long beyond = 0;
        for (int k = LEVELS; k < n; k++) {
            beyond += bins[k];
        }
        double[] p = new double[n];
        double[] q = new double[n];
        for (int i = LEVELS; i <= n; i++) {
            if (i > LEVELS) {
                beyond -= bins[i - 1];
            }
            // P: the first i bins, outliers folded into the last one
            for (int k = 0; k < i; k++) {
                p[k] = bins[k];
            }
            p[i - 1] += beyond;
            // Q: the first i bins (without outliers) merged into LEVELS levels, then expanded over non-empty bins
            for (int level = 0; level < LEVELS; level++) {
                int start = (int) ((long) level * i / LEVELS);
                int end = (int) ((long) (level + 1) * i / LEVELS);
                double sum = 0;
                int nonEmpty = 0;
                for (int k = start; k < end; k++) {
                    sum += bins[k];
                    if (bins[k] != 0) {
                        nonEmpty++;
                    }
                }
                for (int k = start; k < end; k++) {
                    q[k] = bins[k] == 0 || nonEmpty == 0 ? 0 : sum / nonEmpty;
                }
            }
            double kl = kl(p, q, i);
            if (kl < best) {
                best = kl;
                bestI = i;
            }
        }
        return (bestI + 0.5) * binWidth;
    }

    /**
     * KL(P || Q) over the first {@code n} entries after normalising both; entries where P is 0 add nothing, and a
     * Q of 0 where P is not (the folded outliers of an empty last bin) is smoothed to a small fraction of one
     * count, so the divergence stays finite but large.
     */
    static double kl(double[] p, double[] q, int n) {
        double sp = 0;
        double sq = 0;
        for (int k = 0; k < n; k++) {
            sp += p[k];
            sq += q[k];
        }
        if (sp == 0 || sq == 0) {
            return Double.POSITIVE_INFINITY;
        }
        double eps = 1e-4 / sq;
        double d = 0;
        for (int k = 0; k < n; k++) {
            if (p[k] == 0) {
                continue;
            }
            double pk = p[k] / sp;
            double qk = q[k] == 0 ? eps : q[k] / sq;
            d += pk * Math.log(pk / qk);
        }
        return d;
    }
}
