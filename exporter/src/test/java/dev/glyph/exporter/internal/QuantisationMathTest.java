package dev.glyph.exporter.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.exporter.GateReport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** QuantParams, Half, CalibrationSubset and GateCheck. */
class QuantisationMathTest {

    @Test
    void quantize_halfway_roundsToEvenAndSaturates() {
        QuantParams p = new QuantParams(1f, 0, 0, 255);
        assertEquals(2, p.quantize(2.5f));
        assertEquals(4, p.quantize(3.5f));
        assertEquals(0, p.quantize(-7f));
        assertEquals(255, p.quantize(1000f));
    }

    @Test
    void uint8_reluRange_zeroPointZeroAndMaxRepresented() {
        QuantParams p = QuantParams.uint8(0, 5.1);
        assertEquals(0, p.zeroPoint());
        assertEquals(5.1 / 255, p.scale(), 1e-7);
        assertEquals(255, p.quantize(5.1f));
        QuantParams q = QuantParams.uint8(-1, 1);
        assertEquals(0f, q.dequantize(q.zeroPoint()), "0.0 is exact");
    }

    @Test
    void int8Symmetric_reduceRange_levelsWithin63() {
        QuantParams p = QuantParams.int8Symmetric(0.63, true);
        assertEquals(63, p.quantize(0.63f));
        assertEquals(-63, p.quantize(-5f));
        assertEquals(127, QuantParams.int8Symmetric(1.27, false).quantize(1.27f));
        assertEquals(1f, QuantParams.int8Symmetric(0, false).scale(), "an all-zero channel gets a positive scale");
    }

    @Test
    void half_knownValues_roundTripAndRoundToNearestEven() {
        assertEquals((short) 0x3c00, Half.fromFloat(1f));
        assertEquals((short) 0x2e66, Half.fromFloat(0.1f));
        assertEquals((short) 0x7bff, Half.fromFloat(65504f));
        assertEquals((short) 0x7c00, Half.fromFloat(1e6f));
        assertEquals((short) 0x0001, Half.fromFloat(0x1p-24f), "smallest subnormal");
        assertEquals((short) 0x8000, Half.fromFloat(-1e-10f));
        assertEquals((short) 0x3c00, Half.fromFloat(1f + 0x1p-11f), "a tie rounds to the even neighbour");
        assertEquals((short) 0x3c02, Half.fromFloat(1f + 3 * 0x1p-11f));
        for (int bits = 0; bits < 0x7c00; bits += 7) {
            assertEquals((short) bits, Half.fromFloat(Half.toFloat((short) bits)), "round trip of " + bits);
        }
        assertTrue(Float.isNaN(Half.toFloat(Half.fromFloat(Float.NaN))));
    }

    @Test
    void choose_sameSeed_sameSortedDistinctIndicesAndHash() {
        CalibrationSubset a = CalibrationSubset.choose(60000, 1000, 7);
        CalibrationSubset b = CalibrationSubset.choose(60000, 1000, 7);
        assertArrayEquals(a.indices(), b.indices());
        assertEquals(a.sha256(), b.sha256());
        int[] idx = a.indices();
        for (int i = 1; i < idx.length; i++) {
            assertTrue(idx[i] > idx[i - 1], "ascending and distinct");
        }
        assertNotEquals(a.sha256(), CalibrationSubset.choose(60000, 1000, 8).sha256());
        // the documented encoding: "i\n" per index
        assertEquals(dev.glyph.modelformat.Sha256.hex(dev.glyph.modelformat.Sha256.digest("0\n1\n2\n".getBytes(),
                0, 6)), CalibrationSubset.choose(3, 3, 1).sha256());
        assertThrows(IllegalArgumentException.class, () -> CalibrationSubset.choose(10, 11, 1));
    }

    private static float[] oneHot(int... classes) {
        float[] lp = new float[classes.length * 10];
        java.util.Arrays.fill(lp, -10f);
        for (int i = 0; i < classes.length; i++) {
            lp[i * 10 + classes[i]] = 0f;
        }
        return lp;
    }

    @Test
    void compare_atTheLimits_passesAndOneMoreFails() {
        // 1,000 images, all labelled 0; fp32 right on all, the candidate flips exactly 3 (0.3 points, 99.7 %)
        int n = 1000;
        byte[] labels = new byte[n];
        int[] ref = new int[n];
        int[] cand = new int[n];
        for (int i = 0; i < 3; i++) {
            cand[i] = 1;
        }
        GateReport g = GateCheck.compare("int8", "mnist", labels, n, oneHot(ref), oneHot(cand), null, "e", 0.3, 99.5,
                Map.of(), List.of());
        assertTrue(g.passed(), g.table());
        assertEquals(0.3, g.accuracyDrop(), 1e-9);
        assertEquals(3, g.flips().size());
        assertEquals(new GateReport.Flip(0, 0, 0, 1), g.flips().get(0));
        assertEquals(-0.3, g.perClass().get(0).change(), 1e-9);
        cand[3] = 2;
        GateReport worse = GateCheck.compare("int8", "mnist", labels, n, oneHot(ref), oneHot(cand), null, "e", 0.3,
                99.5, Map.of(), List.of());
        assertTrue(!worse.passed() && worse.failureMessage().contains("missed by 0.10 points"),
                worse.failureMessage());
    }

    @Test
    void compare_flipsThatKeepAccuracy_failOnAgreementAlone() {
        int n = 200;
        byte[] labels = new byte[n];
        int[] ref = new int[n];
        int[] cand = new int[n];
        for (int i = 0; i < 4; i++) {
            labels[i] = 5;       // fp32 wrong (0), candidate wrong differently (1): accuracy unchanged
            cand[i] = 1;
        }
        GateReport g = GateCheck.compare("int8", "mnist", labels, n, oneHot(ref), oneHot(cand), null, "e", 0.3, 99.5,
                Map.of(), List.of());
        assertEquals(0, g.accuracyDrop(), 1e-12);
        assertEquals(98.0, g.argmaxAgreement(), 1e-9);
        assertTrue(!g.passed() && g.failureMessage().contains("argmax agreement 98.00 %")
                && !g.failureMessage().contains("loses"), g.failureMessage());
    }
}
