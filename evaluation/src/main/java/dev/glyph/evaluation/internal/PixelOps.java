package dev.glyph.evaluation.internal;

import java.util.SplittableRandom;

/**
 * Pure transforms of 28x28 row-major float images in [0,1], 0 = background: every method returns a new array and
 * leaves its input alone; random ones take their seed. Out-of-image samples are background (0).
 *
 * <p>Thread-safety: stateless.
 */
public final class PixelOps {

    /** Pixels per side. */
    public static final int SIZE = 28;
    private static final double CENTRE = (SIZE - 1) / 2.0;

    private PixelOps() {
    }

    /** Rotates by {@code degrees} (counter-clockwise on screen) about the image centre, bilinear. */
    public static float[] rotate(float[] src, double degrees) {
        double a = Math.toRadians(degrees);
        double cos = Math.cos(a);
        double sin = Math.sin(a);
        float[] dst = new float[src.length];
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                double dx = x - CENTRE;
                double dy = y - CENTRE;
                // inverse mapping: the source point that lands on (x, y)
                double sx = CENTRE + cos * dx - sin * dy;
                double sy = CENTRE + sin * dx + cos * dy;
                dst[y * SIZE + x] = bilinear(src, sx, sy);
            }
        }
        return dst;
    }

    /** Scales by {@code factor} about the image centre, bilinear (area averaged when shrinking). */
    public static float[] scale(float[] src, double factor) {
        float[] dst = new float[src.length];
        int ss = factor < 1 ? 4 : 1;
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                double sum = 0;
                for (int j = 0; j < ss; j++) {
                    for (int i = 0; i < ss; i++) {
                        double ox = x + (ss == 1 ? 0 : (i + 0.5) / ss - 0.5);
                        double oy = y + (ss == 1 ? 0 : (j + 0.5) / ss - 0.5);
                        sum += bilinear(src, CENTRE + (ox - CENTRE) / factor, CENTRE + (oy - CENTRE) / factor);
                    }
                }
                dst[y * SIZE + x] = (float) Math.min(1.0, sum / (ss * ss));
            }
        }
        return dst;
    }

    /** Shifts by whole pixels ({@code dx} right, {@code dy} down); pixels shifted in are 0. */
    public static float[] translate(float[] src, int dx, int dy) {
        float[] dst = new float[src.length];
        for (int y = 0; y < SIZE; y++) {
            int sy = y - dy;
            if (sy < 0 || sy >= SIZE) {
                continue;
            }
            for (int x = 0; x < SIZE; x++) {
                int sx = x - dx;
                if (sx >= 0 && sx < SIZE) {
                    dst[y * SIZE + x] = src[sy * SIZE + sx];
                }
            }
        }
        return dst;
    }

    /**
     * Grey-scale morphology with the 4-neighbour cross: {@code steps > 0} dilates (each pixel becomes the maximum
     * of itself and its 4 neighbours) that many times, {@code steps < 0} erodes (minimum; outside counts as 0).
     */
    public static float[] morph(float[] src, int steps) {
        float[] cur = src.clone();
        boolean dilate = steps > 0;
        for (int s = 0; s < Math.abs(steps); s++) {
            float[] next = new float[cur.length];
            for (int y = 0; y < SIZE; y++) {
                for (int x = 0; x < SIZE; x++) {
                    float v = cur[y * SIZE + x];
                    float[] n = {at(cur, x - 1, y), at(cur, x + 1, y), at(cur, x, y - 1), at(cur, x, y + 1)};
                    for (float w : n) {
                        v = dilate ? Math.max(v, w) : Math.min(v, w);
                    }
                    next[y * SIZE + x] = v;
                }
            }
            cur = next;
        }
        return cur;
    }

    /** Separable Gaussian blur with standard deviation {@code sigma} pixels (kernel radius ceil(3 sigma)). */
    public static float[] blur(float[] src, double sigma) {
        if (sigma == 0) {
            return src.clone();
        }
        int r = (int) Math.ceil(3 * sigma);
        double[] k = new double[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) {
            k[i + r] = Math.exp(-i * i / (2 * sigma * sigma));
            sum += k[i + r];
        }
        for (int i = 0; i < k.length; i++) {
            k[i] /= sum;
        }
        float[] tmp = new float[src.length];
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                double v = 0;
                for (int i = -r; i <= r; i++) {
                    v += k[i + r] * at(src, x + i, y);
                }
                tmp[y * SIZE + x] = (float) v;
            }
        }
        float[] dst = new float[src.length];
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                double v = 0;
                for (int i = -r; i <= r; i++) {
                    v += k[i + r] * at(tmp, x, y + i);
                }
                dst[y * SIZE + x] = clamp(v);
            }
        }
        return dst;
    }

    /** Adds Gaussian noise of standard deviation {@code sigma} from {@code seed}, clamped to [0,1]. */
    public static float[] noise(float[] src, double sigma, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] dst = new float[src.length];
        for (int i = 0; i < src.length; i++) {
            dst[i] = clamp(src[i] + sigma * gaussian(rnd));
        }
        return dst;
    }

    /** Returns 1 - v for every pixel. */
    public static float[] invert(float[] src) {
        float[] dst = new float[src.length];
        for (int i = 0; i < src.length; i++) {
            dst[i] = 1f - src[i];
        }
        return dst;
    }

    /** A standard normal deviate (Box-Muller, one of the pair), deterministic for the generator's state. */
    static double gaussian(SplittableRandom rnd) {
        double u1 = 1.0 - rnd.nextDouble();  // (0, 1]
        double u2 = rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    private static float at(float[] img, int x, int y) {
        return x < 0 || y < 0 || x >= SIZE || y >= SIZE ? 0f : img[y * SIZE + x];
    }

    private static float bilinear(float[] img, double x, double y) {
        int x0 = (int) Math.floor(x);
        int y0 = (int) Math.floor(y);
        double fx = x - x0;
        double fy = y - y0;
        double v = (1 - fx) * (1 - fy) * at(img, x0, y0) + fx * (1 - fy) * at(img, x0 + 1, y0)
                + (1 - fx) * fy * at(img, x0, y0 + 1) + fx * fy * at(img, x0 + 1, y0 + 1);
        return clamp(v);
    }

    private static float clamp(double v) {
        return (float) Math.max(0.0, Math.min(1.0, v));
    }
}
