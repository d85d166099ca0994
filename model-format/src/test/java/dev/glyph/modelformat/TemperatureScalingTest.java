package dev.glyph.modelformat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TemperatureScalingTest {

    /** Log-softmax of a row, in double. */
    private static float[] logSoftmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        for (double v : z) {
            sum += Math.exp(v - max);
        }
        float[] out = new float[z.length];
        for (int i = 0; i < z.length; i++) {
            out[i] = (float) (z[i] - max - Math.log(sum));
        }
        return out;
    }

    /** Draws a class from {@code softmax(z)}. */
    private static int draw(double[] z, Random r) {
        float[] lp = logSoftmax(z);
        double u = r.nextDouble();
        double c = 0;
        for (int k = 0; k < lp.length; k++) {
            c += Math.exp(lp[k]);
            if (u < c) {
                return k;
            }
        }
        return lp.length - 1;
    }

    @Test
    void fitTemperature_logitsScaledByThree_recoversThree() {
        Random r = new Random(13);
        int n = 20000;
        float[][] logProbs = new float[n][];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            double[] z = new double[10];
            for (int k = 0; k < 10; k++) {
                z[k] = r.nextGaussian() * 1.5;
            }
            labels[i] = draw(z, r);
            double[] scaled = new double[10];
            for (int k = 0; k < 10; k++) {
                scaled[k] = 3 * z[k];
            }
            logProbs[i] = logSoftmax(scaled);
        }
        double t = TemperatureScaling.fitTemperature(logProbs, labels);
        assertEquals(3.0, t, 0.15, "an over-confident model (logits x3) is fitted T ~ 3");
        assertTrue(TemperatureScaling.nll(logProbs, labels, t) < TemperatureScaling.nll(logProbs, labels, 1));
        assertTrue(TemperatureScaling.ece(logProbs, labels, t, TemperatureScaling.ECE_BINS)
                < TemperatureScaling.ece(logProbs, labels, 1, TemperatureScaling.ECE_BINS));
    }

    @Test
    void ece_perfectlyCalibratedSyntheticSet_isSmall() {
        Random r = new Random(7);
        int n = 50000;
        float[][] logProbs = new float[n][];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            double[] z = new double[10];
            for (int k = 0; k < 10; k++) {
                z[k] = r.nextGaussian() * 2;
            }
            labels[i] = draw(z, r);
            logProbs[i] = logSoftmax(z);
        }
        double ece = TemperatureScaling.ece(logProbs, labels, 1, TemperatureScaling.ECE_BINS);
        assertTrue(ece < 1.0, "labels drawn from the model's own probabilities: ECE " + ece + "% should be < 1%");
        assertEquals(1.0, TemperatureScaling.fitTemperature(logProbs, labels), 0.05);
    }

    @Test
    void nll_atTemperatureOne_isMeanOfMinusLogProbOfLabel() {
        float[][] lp = {logSoftmax(new double[] {2, 0, -1}), logSoftmax(new double[] {0.5, 0.5, 3}),
            logSoftmax(new double[] {-4, 1, 0})};
        int[] labels = {0, 1, 2};
        double expected = -(lp[0][0] + lp[1][1] + lp[2][2]) / 3.0;
        assertEquals(expected, TemperatureScaling.nll(lp, labels, 1), 1e-6);
    }

    @Test
    void probabilities_temperature_isSoftmaxOfScaledLogProbsAndKeepsArgmax() {
        float[] lp = logSoftmax(new double[] {3, 1, 0, -2});
        float[] p1 = TemperatureScaling.probabilities(lp, 1);
        for (int k = 0; k < lp.length; k++) {
            assertEquals(Math.exp(lp[k]), p1[k], 1e-6);
        }
        float[] p2 = TemperatureScaling.probabilities(lp, 2);
        double[] e = new double[lp.length];
        double sum = 0;
        for (int k = 0; k < lp.length; k++) {
            e[k] = Math.exp(lp[k] / 2.0);
            sum += e[k];
        }
        for (int k = 0; k < lp.length; k++) {
            assertEquals(e[k] / sum, p2[k], 1e-6);
        }
        assertTrue(p2[0] < p1[0] && p2[0] > p2[1], "T > 1 softens the top probability but keeps the argmax");
    }

    @Test
    void nll_mismatchedLabels_throwsNamingTheCounts() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TemperatureScaling.nll(new float[2][3], new int[] {0}, 1));
        assertTrue(e.getMessage().contains("2 rows and 1 labels"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> TemperatureScaling.nll(new float[1][3], new int[] {3}, 1));
        assertThrows(IllegalArgumentException.class,
                () -> TemperatureScaling.ece(new float[1][3], new int[] {0}, 1, 0));
    }

    @Test
    void fromJson_goodObject_equalsTheRecord() throws Exception {
        var node = new com.fasterxml.jackson.databind.ObjectMapper().readTree("{\"temperature\": 1.5, "
                + "\"method\": \"temperature\", \"held_out\": 5000, \"held_out_sha256\": null, "
                + "\"nll_held_out_before\": 0.1, \"nll_held_out_after\": 0.08, \"ece_test_before\": 1.2}");
        assertEquals(new TemperatureScaling(1.5, "temperature", 5000, null, 0.1, 0.08, 1.2, null),
                TemperatureScaling.fromJson(node));
        assertArrayEquals(new float[] {1f}, TemperatureScaling.probabilities(new float[] {-0.0f}, 1.5));
    }
}
