package dev.glyph.evaluation;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What {@link RobustnessSuite#run} does.
 *
 * <pre>{@code
 * RobustnessOptions o = RobustnessOptions.defaults().withMnistImages(1000).withFontsPerDigit(20).withFonts(false);
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param fonts whether to run the font-rendered digits
 * @param shifts whether to run the MNIST shifts
 * @param fontDirs folders searched for fonts
 * @param fontsPerDigit font-rendered images per digit, at least 1
 * @param mnistImages test images used for the shifts (the first N; 0 = all)
 * @param corruptions which shifts, each at its {@link Corruption#strengths()}
 * @param seed seed of the font draws and of the random shifts
 */
public record RobustnessOptions(boolean fonts, boolean shifts, List<Path> fontDirs, int fontsPerDigit,
        int mnistImages, Set<Corruption> corruptions, long seed) {

    /** Default font images per digit. */
    public static final int DEFAULT_FONTS_PER_DIGIT = 50;
    /** Default seed. */
    public static final long DEFAULT_SEED = 13L;

    /** Validates the values and copies the collections. */
    public RobustnessOptions {
        if (fontsPerDigit < 1) {
            throw new IllegalArgumentException("font images per digit is " + fontsPerDigit + "; expected >= 1");
        }
        if (mnistImages < 0) {
            throw new IllegalArgumentException("MNIST images for the shifts is " + mnistImages
                    + "; expected >= 0 (0 = all)");
        }
        fontDirs = List.copyOf(fontDirs);
        corruptions = corruptions.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(corruptions));
    }

    /** Both suites, fonts under {@code /usr/share/fonts}, 50 per digit, all test images, every corruption, seed 13. */
    public static RobustnessOptions defaults() {
        return new RobustnessOptions(true, true, FontDigits.DEFAULT_DIRS, DEFAULT_FONTS_PER_DIGIT, 0,
                EnumSet.allOf(Corruption.class), DEFAULT_SEED);
    }

    /** Returns a copy with the font suite on or off. */
    public RobustnessOptions withFonts(boolean on) {
        return new RobustnessOptions(on, shifts, fontDirs, fontsPerDigit, mnistImages, corruptions, seed);
    }

    /** Returns a copy with the shift suite on or off. */
    public RobustnessOptions withShifts(boolean on) {
        return new RobustnessOptions(fonts, on, fontDirs, fontsPerDigit, mnistImages, corruptions, seed);
    }

    /** Returns a copy searching {@code dirs} for fonts. */
    public RobustnessOptions withFontDirs(List<Path> dirs) {
        return new RobustnessOptions(fonts, shifts, dirs, fontsPerDigit, mnistImages, corruptions, seed);
    }

    /** Returns a copy rendering {@code n} font images per digit. */
    public RobustnessOptions withFontsPerDigit(int n) {
        return new RobustnessOptions(fonts, shifts, fontDirs, n, mnistImages, corruptions, seed);
    }

    /** Returns a copy using the first {@code n} test images for the shifts (0 = all). */
    public RobustnessOptions withMnistImages(int n) {
        return new RobustnessOptions(fonts, shifts, fontDirs, fontsPerDigit, n, corruptions, seed);
    }

    /** Returns a copy running only {@code set}. */
    public RobustnessOptions withCorruptions(Set<Corruption> set) {
        return new RobustnessOptions(fonts, shifts, fontDirs, fontsPerDigit, mnistImages, set, seed);
    }

    /** Returns a copy with {@code s} as seed. */
    public RobustnessOptions withSeed(long s) {
        return new RobustnessOptions(fonts, shifts, fontDirs, fontsPerDigit, mnistImages, corruptions, s);
    }
}
