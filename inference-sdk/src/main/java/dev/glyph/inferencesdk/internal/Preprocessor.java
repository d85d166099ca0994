package dev.glyph.inferencesdk.internal;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Pure-Java preprocessing of digit images into the model's 28x28 [0,1] input, following how MNIST
 * was made. Steps for an encoded image ({@link #fromEncoded(byte[])}):
 *
 * <ol>
 *   <li>Decode with ImageIO (PNG, JPEG, BMP, GIF); transparent pixels are composited over white.
 *   <li>Grayscale: {@code 0.299 R + 0.587 G + 0.114 B}, 0..255.
 *   <li>Polarity: if the mean of the border pixels (outermost row and column on each side) is
 *       above 127.5 the background is light and the image is inverted, so ink is bright.
 *   <li>Contrast: the background level {@code b} is the border mean (after inversion) and the ink
 *       level {@code p} the brightest pixel; values are mapped to {@code (v - b) / (p - b)} clamped
 *       to [0,1]. If {@code p - b} is below {@value #MIN_CONTRAST} of 255 the image is blank and
 *       becomes all zeros.
 *   <li>Crop to the bounding box of pixels at or above {@value #INK_THRESHOLD} (after step 4).
 *   <li>Scale so the longer side is {@value #BOX} px, keeping the aspect ratio: area averaging
 *       when shrinking (anti-aliased), bilinear interpolation when enlarging.
 *   <li>Paste into a 28x28 canvas so that the centre of mass (pixel centres at index + 0.5) lies
 *       as near as an integer shift allows to (14, 14), clamped so the digit stays inside.
 * </ol>
 *
 * <p>Thread-safety: stateless static methods.
 */
public final class Preprocessor {

    /** Output side length. */
    public static final int SIZE = 28;
    /** Output pixel count. */
    public static final int PIXELS = SIZE * SIZE;
    /** The longer side of the digit after scaling, as in MNIST. */
    public static final int BOX = 20;
    /** Normalised value at or above which a pixel counts as ink for the bounding box. */
    public static final float INK_THRESHOLD = 0.25f;
    /** Minimum ink-to-background contrast, in 0..255 units, below which an image is blank. */
    public static final double MIN_CONTRAST = 16.0;
    /** Largest accepted decoded image, in pixels (guards against decompression bombs). */
    public static final long MAX_DECODED_PIXELS = 40_000_000L;

    private Preprocessor() {
    }

    /** Converts 784 gray8 bytes at {@code offset} to floats {@code (b & 0xFF) / 255}. */
    public static float[] gray8ToPixels(byte[] gray8, int offset) {
        float[] out = new float[PIXELS];
        for (int i = 0; i < PIXELS; i++) {
            out[i] = (gray8[offset + i] & 0xFF) / 255f;
        }
        return out;
    }

    /**
     * Checks that every value is finite and in [0, 1].
     *
     * @throws IllegalArgumentException naming the first bad index and its value
     */
    public static void checkPixels(float[] pixels) {
        for (int i = 0; i < pixels.length; i++) {
            float v = pixels[i];
            if (!(v >= 0f && v <= 1f)) {
                String what = Float.isNaN(v) ? "NaN" : Float.isInfinite(v) ? (v > 0 ? "+Infinity" : "-Infinity")
                        : Float.toString(v);
                throw new IllegalArgumentException("pixel " + i + " (row " + i / SIZE + ", column " + i % SIZE
                        + ") is " + what + "; expected a finite value in [0,1] (0 = background)");
            }
        }
    }

    /**
     * Decodes an encoded image and preprocesses it (see the class comment).
     *
     * @throws IllegalArgumentException if the bytes are null, empty, not a supported image, or too large
     */
    public static float[] fromEncoded(byte[] encoded) {
        return fromImage(decode(encoded));
    }

    /** Decodes PNG/JPEG/BMP/GIF bytes with ImageIO. */
    static BufferedImage decode(byte[] encoded) {
        if (encoded == null) {
            throw new IllegalArgumentException("image bytes are null; expected a PNG, JPEG, BMP or GIF file");
        }
        if (encoded.length == 0) {
            throw new IllegalArgumentException("image bytes are empty; expected a PNG, JPEG, BMP or GIF file");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(encoded))) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new IllegalArgumentException("image bytes (" + encoded.length + " bytes, starting "
                        + head(encoded) + ") are not a recognised image; expected PNG, JPEG, BMP or GIF");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                if (w < 1 || h < 1 || w * h > MAX_DECODED_PIXELS) {
                    throw new IllegalArgumentException("image is " + w + "x" + h + " pixels; expected at least 1x1 and at most "
                            + MAX_DECODED_PIXELS + " pixels");
                }
                BufferedImage img = reader.read(0);
                if (img == null) {
                    throw new IllegalArgumentException("image bytes could not be decoded as "
                            + reader.getFormatName());
                }
                return img;
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage() != null
                    && iae.getMessage().startsWith("image ")) {
                throw iae;
            }
            throw new IllegalArgumentException("image bytes (" + encoded.length + " bytes, starting " + head(encoded)
                    + ") could not be decoded: " + e.getMessage() + "; expected a valid PNG, JPEG, BMP or GIF file", e);
        }
    }

    private static String head(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(4, b.length); i++) {
            s.append(String.format("%02x", b[i] & 0xFF));
        }
        return "0x" + s;
    }

    /** Preprocesses a decoded image into 784 floats. */
    public static float[] fromImage(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        double[] g = new double[w * h];
        for (int i = 0; i < g.length; i++) {
            int c = argb[i];
            double a = ((c >>> 24) & 0xFF) / 255.0;
            double lum = 0.299 * ((c >> 16) & 0xFF) + 0.587 * ((c >> 8) & 0xFF) + 0.114 * (c & 0xFF);
            g[i] = a * lum + (1 - a) * 255.0;
        }
        return fromGray(g, w, h);
    }

    /**
     * Preprocesses a grayscale image of any size ({@code gray} row-major, 0..255, any polarity)
     * into 784 floats in [0,1] with 0 = background.
     */
    public static float[] fromGray(double[] gray, int w, int h) {
        double border = borderMean(gray, w, h);
        double[] v = gray.clone();
        if (border > 127.5) {
            for (int i = 0; i < v.length; i++) {
                v[i] = 255.0 - v[i];
            }
            border = 255.0 - border;
        }
        double peak = Double.NEGATIVE_INFINITY;
        for (double x : v) {
            peak = Math.max(peak, x);
        }
        if (peak - border < MIN_CONTRAST) {
            return new float[PIXELS];
        }
        double range = peak - border;
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.min(1.0, Math.max(0.0, (v[i] - border) / range));
        }
        // bounding box of ink
        int x0 = w;
        int y0 = h;
        int x1 = -1;
        int y1 = -1;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (v[y * w + x] >= INK_THRESHOLD) {
                    x0 = Math.min(x0, x);
                    x1 = Math.max(x1, x);
                    y0 = Math.min(y0, y);
                    y1 = Math.max(y1, y);
                }
            }
        }
        if (x1 < 0) {
            return new float[PIXELS];
        }
        int cw = x1 - x0 + 1;
        int ch = y1 - y0 + 1;
        double[] crop = new double[cw * ch];
        for (int y = 0; y < ch; y++) {
            System.arraycopy(v, (y0 + y) * w + x0, crop, y * cw, cw);
        }
        double scale = (double) BOX / Math.max(cw, ch);
        int nw = Math.max(1, Math.min(BOX, (int) Math.round(cw * scale)));
        int nh = Math.max(1, Math.min(BOX, (int) Math.round(ch * scale)));
        double[] scaled = resize(crop, cw, ch, nw, nh);
        return place(scaled, nw, nh);
    }

    /** Returns the mean of the outermost rows and columns. */
    static double borderMean(double[] g, int w, int h) {
        double sum = 0;
        long n = 0;
        for (int y = 0; y < h; y++) {
            boolean edgeRow = y == 0 || y == h - 1;
            for (int x = 0; x < w; x += edgeRow ? 1 : Math.max(1, w - 1)) {
                sum += g[y * w + x];
                n++;
            }
        }
        return sum / n;
    }

    /**
     * Resizes a row-major image: separable area averaging along an axis that shrinks, bilinear
     * interpolation (pixel-centre aligned) along an axis that grows.
     */
    public static double[] resize(double[] src, int sw, int sh, int dw, int dh) {
        double[] tmp = new double[dw * sh];
        for (int y = 0; y < sh; y++) {
            resample1d(src, y * sw, 1, sw, tmp, y * dw, 1, dw);
        }
        double[] out = new double[dw * dh];
        for (int x = 0; x < dw; x++) {
            resample1d(tmp, x, dw, sh, out, x, dw, dh);
        }
        return out;
    }

    /** Resamples {@code n} values at {@code src[off + i*stride]} into {@code m} values. */
    static void resample1d(double[] src, int so, int ss, int n, double[] dst, int dof, int ds, int m) {
        if (m == n) {
            for (int i = 0; i < n; i++) {
                dst[dof + i * ds] = src[so + i * ss];
            }
        } else if (m < n) {
            // area averaging: output j covers source interval [j*n/m, (j+1)*n/m)
            double step = (double) n / m;
            for (int j = 0; j < m; j++) {
                double a = j * step;
                double b = a + step;
                double acc = 0;
                for (int i = (int) Math.floor(a); i < Math.min(n, (int) Math.ceil(b)); i++) {
                    double overlap = Math.min(b, i + 1) - Math.max(a, i);
                    if (overlap > 0) {
                        acc += overlap * src[so + i * ss];
                    }
                }
                dst[dof + j * ds] = acc / step;
            }
        } else {
            // bilinear with pixel-centre alignment
            double step = (double) n / m;
            for (int j = 0; j < m; j++) {
                double x = (j + 0.5) * step - 0.5;
                if (x <= 0) {
                    dst[dof + j * ds] = src[so];
                } else if (x >= n - 1) {
                    dst[dof + j * ds] = src[so + (n - 1) * ss];
                } else {
                    int i = (int) Math.floor(x);
                    double t = x - i;
                    dst[dof + j * ds] = (1 - t) * src[so + i * ss] + t * src[so + (i + 1) * ss];
                }
            }
        }
    }

    /**
     * Pastes a {@code w x h} patch (w, h at most 28) into a 28x28 canvas with its centre of mass at
     * (14, 14) as nearly as an integer shift allows, clamped to keep the patch inside.
     */
    public static float[] place(double[] patch, int w, int h) {
        double mass = 0;
        double mx = 0;
        double my = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double m = patch[y * w + x];
                mass += m;
                mx += m * (x + 0.5);
                my += m * (y + 0.5);
            }
        }
        double cx = mass > 0 ? mx / mass : w / 2.0;
        double cy = mass > 0 ? my / mass : h / 2.0;
        int left = clamp((int) Math.round(SIZE / 2.0 - cx), 0, SIZE - w);
        int top = clamp((int) Math.round(SIZE / 2.0 - cy), 0, SIZE - h);
        float[] out = new float[PIXELS];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                out[(top + y) * SIZE + left + x] = (float) Math.min(1.0, Math.max(0.0, patch[y * w + x]));
            }
        }
        return out;
    }

    private static int clamp(int v, int lo, int hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    /** Returns the centre of mass {x, y} of a 28x28 image with pixel centres at index + 0.5. */
    public static double[] centreOfMass(float[] img) {
        double mass = 0;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < img.length; i++) {
            mass += img[i];
            mx += img[i] * (i % SIZE + 0.5);
            my += img[i] * (i / SIZE + 0.5);
        }
        return mass == 0 ? new double[] {SIZE / 2.0, SIZE / 2.0} : new double[] {mx / mass, my / mass};
    }
}
