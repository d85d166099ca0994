package dev.glyph.inferencesdk.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.inferencesdk.Prediction;
import java.util.List;
import org.junit.jupiter.api.Test;

class PostprocessorTest {

    @Test
    void softmax_logProbs_recoversProbabilities() {
        float[] probs = {0.05f, 0.1f, 0.6f, 0.05f, 0.02f, 0.03f, 0.05f, 0.04f, 0.03f, 0.03f};
        float[] logs = new float[10];
        for (int i = 0; i < 10; i++) {
            logs[i] = (float) Math.log(probs[i]);
        }
        float[] out = new float[10];
        Postprocessor.softmax(logs, 0, 10, out);
        assertArrayEquals(probs, out, 1e-6f);
    }

    @Test
    void softmax_hugeMagnitudes_staysFiniteAndNormalised() {
        float[] logs = {-10_000f, -9_000f, -9_001f, -20_000f, -9_000f, -30_000f, -40_000f, -50_000f, -60_000f, -70_000f};
        float[] out = new float[10];
        Postprocessor.softmax(logs, 0, 10, out);
        double sum = 0;
        for (float v : out) {
            assertTrue(Float.isFinite(v));
            sum += v;
        }
        assertEquals(1.0, sum, 1e-6);
        assertEquals(out[1], out[4]);
        assertTrue(out[1] > out[2]);
    }

    @Test
    void softmax_offset_readsTheRightRow() {
        float[] rows = new float[20];
        rows[10 + 7] = 5f;
        float[] out = new float[10];
        Postprocessor.softmax(rows, 10, 10, out);
        assertEquals(7, Postprocessor.argmax(out));
    }

    @Test
    void softmax_allNegativeInfinity_isUniform() {
        float[] logs = new float[10];
        java.util.Arrays.fill(logs, Float.NEGATIVE_INFINITY);
        float[] out = new float[10];
        Postprocessor.softmax(logs, 0, 10, out);
        for (float v : out) {
            assertEquals(0.1f, v, 1e-7f);
        }
    }

    @Test
    void argmax_ties_lowestIndexWins() {
        assertEquals(1, Postprocessor.argmax(new float[] {0.1f, 0.4f, 0.4f, 0.1f}));
    }

    @Test
    void topK_ordersByProbabilityThenIndex() {
        assertArrayEquals(new int[] {2, 1, 3}, Postprocessor.topK(new float[] {0.1f, 0.3f, 0.4f, 0.3f}, 3));
        assertArrayEquals(new int[] {1, 0}, Postprocessor.topK(new float[] {0.2f, 0.8f}, 5));
        assertThrows(IllegalArgumentException.class, () -> Postprocessor.topK(new float[] {1f}, 0));
    }

    @Test
    void fromLogProbs_buildsPredictionWithTopK() {
        float[] logs = new float[10];
        for (int i = 0; i < 10; i++) {
            logs[i] = -i;
        }
        Prediction p = Postprocessor.fromLogProbs(logs, 0, 10);
        assertEquals(0, p.label());
        assertEquals(p.probabilities()[0], p.confidence());
        List<Prediction.Scored> top = p.topK(2);
        assertEquals(0, top.get(0).label());
        assertEquals(1, top.get(1).label());
        assertEquals(p.probability(1), top.get(1).probability());
    }

    @Test
    void fromLogProbs_temperature_softensProbabilitiesKeepsLabelAndRawLogProbs() {
        float[] logs = new float[10];
        double z = 0;
        for (int i = 0; i < 10; i++) {
            logs[i] = (float) (-0.7 * i);
            z += Math.exp(logs[i]);
        }
        for (int i = 0; i < 10; i++) {
            logs[i] -= (float) Math.log(z);
        }
        Prediction one = Postprocessor.fromLogProbs(logs, 0, 10);
        assertEquals(one, Postprocessor.fromLogProbs(logs, 0, 10, 1.0), "T = 1 is the plain softmax, bit for bit");
        Prediction three = Postprocessor.fromLogProbs(logs, 0, 10, 3.0);
        assertEquals(0, three.label());
        assertArrayEquals(logs, three.logProbabilities());
        assertEquals(three.probability(0), three.confidence());
        assertTrue(three.confidence() < one.confidence());
        float[] p = new float[10];
        Postprocessor.softmax(logs, 0, 10, p, 3.0);
        assertArrayEquals(p, three.probabilities());
        assertThrows(IllegalArgumentException.class, () -> Postprocessor.fromLogProbs(logs, 0, 10, 0.0));
        assertThrows(IllegalArgumentException.class, () -> Postprocessor.fromLogProbs(logs, 0, 10, Double.NaN));
    }
}
