package dev.glyph.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AugmentationTest {

    @Test
    void parse_specOfParsed_readsBackEqual() {
        for (String s : new String[] {"none", "rotate=10", "rotate=15,scale=0.15,shear=10,translate=3,elastic=34:4:0.5,"
                + "stroke=0.4,blur=0.2,contrast=0.3,noise=0.3:0.5", "elastic=20:6:1", "noise=0.1"}) {
            Augmentation a = Augmentation.parse(s);
            assertEquals(a, Augmentation.parse(a.spec()), s);
        }
        assertEquals("none", Augmentation.NONE.spec());
        assertTrue(Augmentation.parse("rotate=0").isNone());
        assertEquals(1.0, Augmentation.parse("elastic=34:4").elasticProbability());
    }

    @Test
    void parse_badInput_namesWhatWasFoundAndExpected() {
        assertEquals("--augment has an unknown key 'rot'; expected " + Augmentation.SPEC_HELP,
                msg("rot=10"));
        assertEquals("--augment rotate must be in [0, 90], found 120", msg("rotate=120"));
        assertEquals("--augment rotate='ten' is not a number", msg("rotate=ten"));
        assertEquals("--augment rotate='NaN' is not a number", msg("rotate=NaN"));
        assertTrue(msg("elastic=34").contains("ALPHA:SIGMA"));
        assertTrue(msg("rotate").contains("KEY=VALUE"));
        assertTrue(msg("").contains("empty"));
        assertEquals("--augment elastic probability must be in [0, 1], found 2", msg("elastic=34:4:2"));
        assertEquals("--augment noise must be in [0, 0.5], found 0.9", msg("noise=0.9"));
        assertTrue(msg("noise=0.1:0.5:1").contains("SIGMA:P"));
    }

    private static String msg(String spec) {
        return assertThrows(IllegalArgumentException.class, () -> Augmentation.parse(spec)).getMessage();
    }
}
