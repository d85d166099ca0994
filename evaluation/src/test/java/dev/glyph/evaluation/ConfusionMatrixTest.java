package dev.glyph.evaluation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConfusionMatrixTest {

    @Test
    void of_syntheticPairs_countsAccuracyAndPerClass() {
        int[] truth = {0, 0, 0, 0, 1, 1, 2, 7, 7, 7};
        int[] pred = {0, 0, 0, 6, 1, 7, 2, 7, 1, 7};
        ConfusionMatrix m = ConfusionMatrix.of(truth, pred);
        assertEquals(10, m.total());
        assertEquals(7, m.correct());
        assertEquals(70.0, m.accuracy(), 1e-12);
        assertEquals(3, m.count(0, 0));
        assertEquals(1, m.count(0, 6));
        assertEquals(1, m.count(1, 7));
        assertEquals(1, m.count(7, 1));
        double[] pc = m.perClassAccuracy();
        assertEquals(75.0, pc[0], 1e-12);
        assertEquals(50.0, pc[1], 1e-12);
        assertEquals(100.0, pc[2], 1e-12);
        assertEquals(200.0 / 3, pc[7], 1e-12);
        assertTrue(Double.isNaN(pc[3]));
        assertArrayEquals(new long[] {4, 2, 1, 0, 0, 0, 0, 3, 0, 0}, m.support());
    }

    @Test
    void toCsv_synthetic_headerAndRows() {
        ConfusionMatrix m = ConfusionMatrix.of(new int[] {3, 3}, new int[] {3, 5});
        String[] lines = m.toCsv().split("\n");
        assertEquals(11, lines.length);
        assertEquals("true\\pred,0,1,2,3,4,5,6,7,8,9", lines[0]);
        assertEquals("3,0,0,0,1,0,1,0,0,0,0", lines[4]);
    }

    @Test
    void of_labelOutOfRange_throwsNamingPair() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ConfusionMatrix.of(new int[] {1, 10}, new int[] {1, 1}));
        assertTrue(e.getMessage().contains("pair 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ConfusionMatrix.of(new int[] {1}, new int[] {1, 2}));
    }

    @Test
    void accuracy_empty_isNaN() {
        assertTrue(Double.isNaN(ConfusionMatrix.of(new int[0], new int[0]).accuracy()));
    }
}
