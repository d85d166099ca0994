package dev.glyph.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.testtools.OutsideTools;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FontDigitsTest {

    /** A font every Debian box with fonts-dejavu-core has; under CI=true its absence fails the tests. */
    static final Path DEJAVU = Path.of("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");

    @BeforeAll
    static void fontsPresent() {
        OutsideTools.requireData(DEJAVU, "sudo apt-get install fonts-dejavu-core fonts-liberation fonts-freefont-ttf");
    }

    @Test
    void render_sevenPerDigit_tenClassesOfSevenInkedCentred() throws Exception {
        List<LabelledImage> set = FontDigits.render(FontDigits.DEFAULT_DIRS, 7, 1);
        assertEquals(70, set.size());
        for (int d = 0; d < 10; d++) {
            int digit = d;
            assertEquals(7, set.stream().filter(x -> x.label() == digit).count(), "digit " + d);
        }
        for (LabelledImage x : set) {
            float[] px = x.image().pixels();
            double m = 0;
            double cx = 0;
            for (int i = 0; i < px.length; i++) {
                m += px[i];
                cx += px[i] * (i % DigitImage.SIZE);
            }
            assertTrue(m > 10, x.id() + " has ink");
            assertEquals(14.0, cx / m, 1.5, x.id() + " centred");
            assertFalse(x.group().isEmpty());
        }
    }

    @Test
    void render_sameSeed_sameImagesOtherSeedOthers() throws Exception {
        List<LabelledImage> a = FontDigits.render(FontDigits.DEFAULT_DIRS, 3, 5);
        List<LabelledImage> b = FontDigits.render(FontDigits.DEFAULT_DIRS, 3, 5);
        List<LabelledImage> c = FontDigits.render(FontDigits.DEFAULT_DIRS, 3, 6);
        assertEquals(a, b);
        assertFalse(a.equals(c));
    }

    @Test
    void fonts_dejavuFolder_findsSeveralWithDigits() throws Exception {
        assertTrue(FontDigits.fonts(List.of(DEJAVU.getParent())).size() >= 10);
    }

    @Test
    void render_noFonts_throwsNamingPackages(@TempDir Path empty) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FontDigits.render(List.of(empty), 1, 1));
        assertTrue(e.getMessage().contains("fonts-dejavu-core"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> FontDigits.render(FontDigits.DEFAULT_DIRS, 0, 1));
    }
}
