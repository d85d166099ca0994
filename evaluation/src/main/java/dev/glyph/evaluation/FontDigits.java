package dev.glyph.evaluation;

import dev.glyph.evaluation.internal.GlyphRenderer;
import dev.glyph.inferencesdk.DigitImage;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Digits rendered from the machine's fonts: a test set no model here trains on. For each digit 0-9,
 * {@code perDigit} images; each draws (from a generator seeded with {@code seed}) a font, a size
 * ({@link #SIZES}), a weight (plain or bold: the outline stroked by {@link #BOLD_STROKE} of the size), a slant
 * ({@link #SHEARS}) and a small rotation ({@link #ROTATIONS}), is drawn white on black with Java2D, large, and
 * then goes through the SDK's MNIST-style preprocessing ({@link DigitImage#ofEncoded}: crop, scale to 20 px,
 * centre of mass at the centre). The same fonts and seed always give the same images.
 *
 * <pre>{@code
 * List<LabelledImage> set = FontDigits.render(FontDigits.DEFAULT_DIRS, 50, 7L);   // 500 images
 * }</pre>
 *
 * <p>Fonts: every TrueType/OpenType file under the folders (default {@code /usr/share/fonts}) that has the ten
 * digits, except symbol/dingbat fonts; on Debian, {@code fonts-dejavu-core}, {@code fonts-liberation} and
 * {@code fonts-freefont-ttf} provide them.
 *
 * <p>Thread-safety: stateless.
 */
public final class FontDigits {

    /** Where fonts are looked for by default. */
    public static final List<Path> DEFAULT_DIRS = List.of(Path.of("/usr/share/fonts"));
    /** Font sizes in pixels (rendered large; the preprocessing scales to 20 px, so size changes the detail). */
    public static final List<Integer> SIZES = List.of(24, 40, 64);
    /** Slants: x shear factors. */
    public static final List<Double> SHEARS = List.of(-0.15, 0.0, 0.15, 0.3);
    /** Rotations in degrees. */
    public static final List<Double> ROTATIONS = List.of(-10.0, -5.0, 0.0, 5.0, 10.0);
    /** Width of the bold outline stroke, as a fraction of the font size. */
    public static final double BOLD_STROKE = 0.06;

    private FontDigits() {
    }

    /**
     * Returns the usable fonts under {@code dirs}, one per font name, sorted by name.
     *
     * @throws IOException if a folder cannot be listed
     */
    public static List<Font> fonts(List<Path> dirs) throws IOException {
        return GlyphRenderer.fonts(dirs);
    }

    /**
     * Renders {@code perDigit} images of each digit (grouped by font family), digit 0's first.
     *
     * @throws IllegalArgumentException if {@code perDigit < 1}, or no usable font is found under {@code dirs}
     *     (naming the folders and the Debian packages that provide fonts)
     * @throws IOException if a folder cannot be listed
     */
    public static List<LabelledImage> render(List<Path> dirs, int perDigit, long seed) throws IOException {
        if (perDigit < 1) {
            throw new IllegalArgumentException("font digits per class is " + perDigit + "; expected >= 1");
        }
        List<Font> fonts = fonts(dirs);
        if (fonts.isEmpty()) {
            throw new IllegalArgumentException("no font with the digits 0-9 under " + dirs
                    + "; expected TrueType/OpenType fonts (sudo apt-get install fonts-dejavu-core fonts-liberation"
                    + " fonts-freefont-ttf)");
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        List<LabelledImage> out = new ArrayList<>(10 * perDigit);
        for (int digit = 0; digit < 10; digit++) {
            for (int i = 0; i < perDigit; i++) {
                Font font = fonts.get(rnd.nextInt(fonts.size()));
                int size = SIZES.get(rnd.nextInt(SIZES.size()));
                boolean bold = rnd.nextBoolean();
                double shear = SHEARS.get(rnd.nextInt(SHEARS.size()));
                double rot = ROTATIONS.get(rnd.nextInt(ROTATIONS.size()));
                byte[] png = GlyphRenderer.png(font, digit, size, bold ? BOLD_STROKE : 0, shear, rot);
                String id = String.format(Locale.ROOT, "%s %dpx %s shear %.2f rot %+.0f digit %d #%d",
                        font.getFontName(Locale.ROOT), size, bold ? "bold" : "plain", shear, rot, digit, i);
                out.add(new LabelledImage(id, font.getFamily(Locale.ROOT), digit, DigitImage.ofEncoded(png)));
            }
        }
        return out;
    }
}
