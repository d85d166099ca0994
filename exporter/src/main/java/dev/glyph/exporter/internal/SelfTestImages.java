package dev.glyph.exporter.internal;

import dev.glyph.modelformat.SelfTest;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The four fixed images of the manifest's self test, made in code so that no data set is needed: a blank image,
 * seeded noise, a vertical stroke (a "1") and a bar with a diagonal (a "7"). 784 gray8 bytes each, row-major,
 * 0 = background, MNIST style. The same bytes on every run and every JVM.
 *
 * <p>Thread-safety: stateless; every call returns fresh arrays.
 */
public final class SelfTestImages {

    /** The seed of the noise image. */
    static final long NOISE_SEED = 20_261_201L;

    private static final int SIZE = 28;

    private SelfTestImages() {
    }

    /** Returns the four images: blank, noise, stroke "1", stroke "7". */
    public static List<byte[]> all() {
        return List.of(new byte[SelfTest.PIXELS], noise(), strokes(new double[][] {{14, 4, 14, 23}}),
                strokes(new double[][] {{7, 6, 21, 6}, {21, 6, 12, 23}}));
    }

    /** Every pixel uniform in 0..255. */
    private static byte[] noise() {
        SplittableRandom rnd = new SplittableRandom(NOISE_SEED);
        byte[] b = new byte[SelfTest.PIXELS];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) rnd.nextInt(256);
        }
        return b;
    }

    /**
     * Draws line segments {@code {x0, y0, x1, y1}} (column, row) about three pixels wide: full ink within 1.2
     * pixels of a segment, fading to background at 2.2 pixels, like an anti-aliased pen.
     */
    private static byte[] strokes(double[][] segments) {
        byte[] b = new byte[SelfTest.PIXELS];
        for (int r = 0; r < SIZE; r++) {
            for (int c = 0; c < SIZE; c++) {
                double d = Double.MAX_VALUE;
                for (double[] s : segments) {
                    d = Math.min(d, distance(c, r, s[0], s[1], s[2], s[3]));
                }
                double ink = d <= 1.2 ? 1.0 : d >= 2.2 ? 0.0 : 2.2 - d;
                b[r * SIZE + c] = (byte) Math.round(255 * ink);
            }
        }
        return b;
    }

    /** Distance of point (x, y) to the segment (x0, y0)-(x1, y1). */
    private static double distance(double x, double y, double x0, double y0, double x1, double y1) {
        double dx = x1 - x0;
        double dy = y1 - y0;
        double t = ((x - x0) * dx + (y - y0) * dy) / (dx * dx + dy * dy);
        t = Math.max(0, Math.min(1, t));
        double px = x0 + t * dx - x;
        double py = y0 + t * dy - y;
        return Math.sqrt(px * px + py * py);
    }
}
