package dev.glyph.benchmarks.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Medians and ratios of per-round throughputs.
 *
 * <pre>{@code
 * double ratio = RoundStats.ratioOfMedians(glyphImgPerSec, referenceImgPerSec);
 * }</pre>
 *
 * <p>Thread-safety: stateless.
 */
public final class RoundStats {

    private RoundStats() {
    }

    /**
     * Returns the median (the mean of the middle two for an even count).
     *
     * @throws IllegalArgumentException if {@code values} is empty or holds a non-finite value
     */
    public static double median(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no rounds to take the median of; expected at least one");
        }
        List<Double> s = new ArrayList<>(values);
        for (double v : s) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("round value is " + v + "; expected a finite number");
            }
        }
        s.sort(null);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    /** Returns {@code median(a) / median(b)}. */
    public static double ratioOfMedians(List<Double> a, List<Double> b) {
        double mb = median(b);
        if (!(mb > 0)) {
            throw new IllegalArgumentException("reference median is " + mb + "; expected > 0");
        }
        return median(a) / mb;
    }
}
