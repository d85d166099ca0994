package dev.glyph.benchmarks.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class RoundStatsTest {

    @Test
    void median_oddCount_middleValueWhateverTheOrder() {
        assertEquals(1304.1, RoundStats.median(List.of(1311.4, 1179.1, 1304.1)));
    }

    @Test
    void median_evenCount_meanOfMiddleTwo() {
        assertEquals(850.0, RoundStats.median(List.of(900.0, 800.0, 700.0, 1000.0)));
    }

    @Test
    void median_emptyOrNaN_illegalArgument() {
        assertThrows(IllegalArgumentException.class, () -> RoundStats.median(List.of()));
        assertThrows(IllegalArgumentException.class, () -> RoundStats.median(List.of(1.0, Double.NaN)));
    }

    @Test
    void ratioOfMedians_twoSeries_mediansDivided() {
        double r = RoundStats.ratioOfMedians(List.of(1233.0, 1100.0, 1300.0), List.of(850.0, 817.0, 900.0));
        assertEquals(1233.0 / 850.0, r, 1e-12);
    }

    @Test
    void ratioOfMedians_zeroReference_illegalArgument() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RoundStats.ratioOfMedians(List.of(1.0), List.of(0.0)));
        assertTrue(e.getMessage().contains("expected > 0"), e.getMessage());
    }
}
