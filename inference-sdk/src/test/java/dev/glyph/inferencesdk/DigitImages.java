package dev.glyph.inferencesdk;

import dev.glyph.testfixtures.TestModels;
import java.util.List;

/** The shared fixture's seeded random pixels as SDK images. */
final class DigitImages {

    private DigitImages() {
    }

    /** {@code n} deterministic pseudo-random digit-like images ({@link TestModels#randomPixels}). */
    static List<DigitImage> random(int n, long seed) {
        return TestModels.randomPixels(n, seed).stream().map(DigitImage::ofPixels).toList();
    }
}
