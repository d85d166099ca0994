package dev.glyph.exporter.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.exporter.CalibrationMethod;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HistogramTest {

    private static Histogram filled(float[] values) {
        Histogram h = new Histogram("t");
        h.observeRange(values);
        h.startCounting();
        h.count(values);
        return h;
    }

    @Test
    void range_minmax_observedExtremes() {
        Histogram h = filled(new float[] {-0.5f, 0f, 2f, 1f});
        assertArrayEquals(new double[] {-0.5, 2.0}, h.range(CalibrationMethod.MINMAX, 99.99));
    }

    @Test
    void range_percentileOfUniformWithOneOutlier_clipsTheOutlier() {
        float[] v = new float[100_001];
        for (int i = 0; i < 100_000; i++) {
            v[i] = (i + 1) / 100_000f; // uniform in (0, 1]
        }
        v[100_000] = 10f;           // one far outlier
        double[] r = filled(v).range(CalibrationMethod.PERCENTILE, 99.9);
        assertEquals(0, r[0]);
        // 99.9 % of the values are <= 0.999; bins are 10/2048 wide, so the threshold is that edge rounded up
        assertTrue(r[1] >= 0.999 && r[1] <= 0.999 + 10.0 / 2048, "threshold " + r[1]);
    }

    @Test
    void range_percentileHundred_isTheMaximum() {
        double[] r = filled(new float[] {0.1f, 0.2f, 3f}).range(CalibrationMethod.PERCENTILE, 100);
        assertEquals(3.0, r[1], 1e-9);
    }

    @Test
    void range_entropyOfUniform_keepsNearlyTheWholeRange() {
        SplittableRandom rnd = new SplittableRandom(3);
        float[] v = new float[200_000];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rnd.nextDouble(0.001, 1.0);
        }
        double[] r = filled(v).range(CalibrationMethod.ENTROPY, 99.99);
        assertTrue(r[1] > 0.9, "a flat histogram loses nothing by quantising, so nothing is clipped: " + r[1]);
    }

    @Test
    void range_entropyOfGaussianWithFarOutliers_clipsTheOutliers() {
        SplittableRandom rnd = new SplittableRandom(5);
        float[] v = new float[200_010];
        for (int i = 0; i < 200_000; i++) {
            v[i] = (float) Math.abs(gaussian(rnd));
        }
        for (int i = 200_000; i < v.length; i++) {
            v[i] = 40f; // ten values ten times beyond the bulk
        }
        double[] r = filled(v).range(CalibrationMethod.ENTROPY, 99.99);
        assertTrue(r[1] < 10 && r[1] > 2, "threshold " + r[1] + " should sit past the bulk (|N(0,1)|) but far "
                + "below the outliers at 40");
    }

    @Test
    void range_negativeValues_symmetricRange() {
        float[] v = new float[10_000];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i % 2 == 0 ? -1 : 1) * (i / (float) v.length);
        }
        double[] r = filled(v).range(CalibrationMethod.PERCENTILE, 100);
        assertEquals(-r[1], r[0]);
    }

    @Test
    void count_exactZeros_keptApartFromTheBins() {
        Histogram h = filled(new float[] {0f, 0f, 0f, 1f});
        assertEquals(3, h.zeros());
        long inBins = 0;
        for (long b : h.bins()) {
            inBins += b;
        }
        assertEquals(1, inBins);
    }

    @Test
    void observeRange_nan_illegalArgumentNamingTheTensor() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Histogram("relu1_out").observeRange(new float[] {Float.NaN}));
        assertTrue(e.getMessage().contains("relu1_out holds NaN"), e.getMessage());
    }

    @Test
    void range_entropyWithoutHistogramPass_illegalState() {
        Histogram h = new Histogram("t");
        h.observeRange(new float[] {1f});
        assertThrows(IllegalStateException.class, () -> h.range(CalibrationMethod.ENTROPY, 99.99));
    }

    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}
