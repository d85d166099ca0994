package dev.glyph.evaluation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class CorruptionTest {

    private static final float[] BAR = TestImages.bar();

    @Test
    void apply_rotationZero_isIdentity() {
        assertArrayEquals(BAR, Corruption.ROTATION.apply(BAR, 0, 1));
    }

    @Test
    void apply_rotation90_turnsVerticalBarHorizontal() {
        float[] r = Corruption.ROTATION.apply(BAR, 90, 1);
        // the bar (columns 12..14, rows 6..21) becomes rows 12..14 (about the centre 13.5)
        assertTrue(r[13 * 28 + 8] > 0.9f, "row 13 inked after 90 degrees");
        assertTrue(r[8 * 28 + 13] < 0.1f, "column 13 cleared after 90 degrees");
        assertEquals(TestImages.ink(BAR), TestImages.ink(r), 4);
    }

    @Test
    void apply_inversionTwice_isIdentity() {
        float[] once = Corruption.INVERSION.apply(BAR, 1, 0);
        assertEquals(784 - TestImages.ink(BAR), TestImages.ink(once));
        assertArrayEquals(BAR, Corruption.INVERSION.apply(once, 1, 0));
    }

    @Test
    void apply_dilation_growsInkAndErosionShrinksIt() {
        int ink = TestImages.ink(BAR);
        int d1 = TestImages.ink(Corruption.THICKNESS.apply(BAR, 1, 0));
        int d2 = TestImages.ink(Corruption.THICKNESS.apply(BAR, 2, 0));
        int e1 = TestImages.ink(Corruption.THICKNESS.apply(BAR, -1, 0));
        assertTrue(d1 > ink && d2 > d1, ink + " " + d1 + " " + d2);
        assertEquals(18 * 5 - 4, d1);  // cross dilation: 2 more columns, 2 more rows, minus 4 corners
        assertTrue(e1 < ink, ink + " " + e1);
        assertEquals(14, e1);  // 3 columns -> 1, 16 rows -> 14
    }

    @Test
    void apply_noiseSameSeed_sameImageOtherSeedDiffers() {
        float[] a = Corruption.NOISE.apply(BAR, 0.2, 42);
        float[] b = Corruption.NOISE.apply(BAR, 0.2, 42);
        float[] c = Corruption.NOISE.apply(BAR, 0.2, 43);
        assertArrayEquals(a, b);
        assertFalse(Arrays.equals(a, c));
        for (float v : a) {
            assertTrue(v >= 0 && v <= 1);
        }
    }

    @Test
    void apply_blur_spreadsInkKeepingMass() {
        float[] b = Corruption.BLUR.apply(BAR, 1.0, 0);
        assertEquals(sum(BAR), sum(b), 0.01 * sum(BAR));
        assertTrue(b[13 * 28 + 11] > 0.1f && b[13 * 28 + 11] < 1f, "the neighbour column got some ink");
        assertTrue(b[13 * 28 + 13] < 1f);
    }

    @Test
    void apply_translation_movesByStrengthInOneDirection() {
        float[] t = Corruption.TRANSLATION.apply(BAR, 2, 5);
        assertEquals(TestImages.ink(BAR), TestImages.ink(t));
        assertFalse(Arrays.equals(BAR, t));
        double[] c0 = centre(BAR);
        double[] c1 = centre(t);
        double dx = Math.abs(c1[0] - c0[0]);
        double dy = Math.abs(c1[1] - c0[1]);
        assertTrue((dx == 2 || dx == 0) && (dy == 2 || dy == 0) && dx + dy > 0, dx + " " + dy);
        assertArrayEquals(t, Corruption.TRANSLATION.apply(BAR, 2, 5));
    }

    @Test
    void apply_scale_shrinksOrGrowsInkAndOneIsIdentity() {
        assertArrayEquals(BAR, Corruption.SCALE.apply(BAR, 1.0, 0));
        double s = sum(BAR);
        assertTrue(sum(Corruption.SCALE.apply(BAR, 0.7, 0)) < 0.7 * s);
        assertTrue(sum(Corruption.SCALE.apply(BAR, 1.3, 0)) > 1.2 * s);
    }

    @Test
    void apply_everyCorruption_leavesInputAlone() {
        float[] copy = BAR.clone();
        for (Corruption c : Corruption.values()) {
            for (double strength : c.strengths()) {
                assertEquals(784, c.apply(copy, strength, 3).length);
            }
        }
        assertArrayEquals(BAR, copy);
    }

    @Test
    void apply_badInput_throwsNamingWhatWasExpected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Corruption.THICKNESS.apply(BAR, 1.5, 0));
        assertTrue(e.getMessage().contains("1.5") && e.getMessage().contains("integer"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Corruption.BLUR.apply(new float[10], 1, 0));
        assertTrue(e.getMessage().contains("10 pixels") && e.getMessage().contains("784"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Corruption.NOISE.apply(BAR, -0.1, 0));
        assertThrows(IllegalArgumentException.class, () -> Corruption.parse("fog"));
        assertEquals(Corruption.BLUR, Corruption.parse("Blur"));
    }

    private static double sum(float[] px) {
        double s = 0;
        for (float v : px) {
            s += v;
        }
        return s;
    }

    private static double[] centre(float[] px) {
        double sx = 0;
        double sy = 0;
        double m = 0;
        for (int i = 0; i < px.length; i++) {
            sx += px[i] * (i % 28);
            sy += px[i] * (i / 28);
            m += px[i];
        }
        return new double[] {sx / m, sy / m};
    }
}
