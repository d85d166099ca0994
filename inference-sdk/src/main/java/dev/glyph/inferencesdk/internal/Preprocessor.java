package dev.glyph.inferencesdk.internal;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import dev.glyph.inferencesdk.ImageHeader;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Pure-Java preprocessing of digit images into the model's 28x28 [0,1] input, following how MNIST
 * was made. Steps for an encoded image ({@link #fromEncoded(byte[])}):
 *
 * <ol>
 *   <li>Check the format by its magic bytes (PNG, JPEG, BMP, GIF; anything else, e.g. TIFF or
 *       WBMP, is refused) and the size by the header; decode with ImageIO, subsampling (every
 *       n-th row and column) an image larger than the decoded-pixel cap; transparent pixels are
 *       composited over white.
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
     * Decodes an encoded image with the default limits and preprocesses it (see the class comment).
     *
     * @throws IllegalArgumentException if the bytes are null, empty, not a supported image, or too large
     */
    public static float[] fromEncoded(byte[] encoded) {
        return fromEncoded(encoded, ImageHeader.DEFAULT_MAX_IMAGE_PIXELS, ImageHeader.DEFAULT_MAX_DECODED_PIXELS);
    }

    /**
     * Decodes an encoded image and preprocesses it: the format is checked by its magic bytes, the
     * size by its header (at most {@code maxImagePixels}), and an image larger than
     * {@code maxDecodedPixels} is subsampled while decoding. Every decoder failure, including an
     * out-of-memory error or a runtime exception inside ImageIO or {@code BufferedImage}, becomes
     * an {@link IllegalArgumentException} for this image.
     *
     * @throws IllegalArgumentException if the bytes are null, empty, not an accepted format, too
     *     large or cannot be decoded
     */
    public static float[] fromEncoded(byte[] encoded, long maxImagePixels, long maxDecodedPixels) {
        String format = sniff(encoded);
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded))) {
            ImageReader reader = reader(format, encoded);
            try {
                reader.setInput(in, true, true);
                ImageHeader h = new ImageHeader(format, reader.getWidth(0), reader.getHeight(0));
                if (h.width() < 1 || h.height() < 1 || h.pixels() > maxImagePixels) {
                    throw new BadImageException("image is a " + format + " of " + h.width() + "x" + h.height()
                            + " pixels; expected at least 1x1 and at most " + maxImagePixels + " pixels");
                }
                ImageReadParam param = reader.getDefaultReadParam();
                int s = h.subsampling(maxDecodedPixels);
                if (s > 1) {
                    param.setSourceSubsampling(s, s, 0, 0);
                }
                BufferedImage img = reader.read(0, param);
                if (img == null) {
                    throw new BadImageException("image bytes could not be decoded as " + format);
                }
                return fromImage(img);
            } finally {
                reader.dispose();
            }
        } catch (BadImageException e) {
            throw new IllegalArgumentException(e.getMessage());
        } catch (IOException | RuntimeException | OutOfMemoryError | StackOverflowError e) {
            // a malformed file may make ImageIO or BufferedImage throw anything; it is this image's fault
            throw new IllegalArgumentException("image bytes (" + encoded.length + " bytes, " + format
                    + ") could not be decoded: " + describe(e) + "; expected a valid " + acceptedText() + " file", e);
        }
    }

    /** Reads the format (by magic bytes) and size (from the header) of {@code encoded}. */
    public static ImageHeader readHeader(byte[] encoded) {
        String format = sniff(encoded);
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded))) {
            ImageReader reader = reader(format, encoded);
            try {
                reader.setInput(in, true, true);
                return new ImageHeader(format, reader.getWidth(0), reader.getHeight(0));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException | OutOfMemoryError | StackOverflowError e) {
            if (e instanceof IllegalArgumentException iae && iae.getMessage() != null
                    && iae.getMessage().startsWith("image ")) {
                throw iae;
            }
            throw new IllegalArgumentException("image bytes (" + encoded.length + " bytes, " + format
                    + ") have an unreadable header: " + describe(e) + "; expected a valid " + acceptedText()
                    + " file", e);
        }
    }

    /** Marks our own messages inside the decode try block. */
    private static final class BadImageException extends RuntimeException {
        BadImageException(String message) {
            super(message, null, false, false);
        }
    }

    private static ImageReader reader(String format, byte[] encoded) {
        Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
        if (!readers.hasNext()) {
            throw new IllegalArgumentException("image bytes (" + encoded.length + " bytes) are " + format
                    + " but no " + format + " decoder is installed");
        }
        return readers.next();
    }

    private static String describe(Throwable e) {
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")");
    }

    private static String acceptedText() {
        return String.join(", ", ImageHeader.ACCEPTED_FORMATS);
    }

    /**
     * Returns the accepted format of {@code b} by its magic bytes.
     *
     * @throws IllegalArgumentException naming the format found (or the first bytes) and the accepted ones
     */
    static String sniff(byte[] b) {
        if (b == null) {
            throw new IllegalArgumentException("image bytes are null; expected a " + acceptedText() + " file");
        }
        if (b.length == 0) {
            throw new IllegalArgumentException("image bytes are empty; expected a " + acceptedText() + " file");
        }
        if (starts(b, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return "PNG";
        }
        if (starts(b, 0, 0xFF, 0xD8, 0xFF)) {
            return "JPEG";
        }
        if (starts(b, 0, 'G', 'I', 'F', '8') && (starts(b, 4, '7', 'a') || starts(b, 4, '9', 'a'))) {
            return "GIF";
        }
        if (starts(b, 0, 'B', 'M') && b.length >= 26) {
            return "BMP";
        }
        String found;
        if (starts(b, 0, 'I', 'I', 0x2A, 0) || starts(b, 0, 'M', 'M', 0, 0x2A)) {
            found = "a TIFF file";
        } else if (starts(b, 0, 'R', 'I', 'F', 'F') && starts(b, 8, 'W', 'E', 'B', 'P')) {
            found = "a WebP file";
        } else if (starts(b, 4, 'f', 't', 'y', 'p')) {
            found = "an ISO media file (HEIF/AVIF)";
        } else if (starts(b, 0, 0, 0, 0, 0x0C, 'j', 'P') || starts(b, 0, 0xFF, 0x4F, 0xFF, 0x51)) {
            found = "a JPEG 2000 file";
        } else if (starts(b, 0, 0, 0, 1, 0) || starts(b, 0, 0, 0, 2, 0)) {
            found = "an ICO/CUR file";
        } else if (starts(b, 0, '%', 'P', 'D', 'F')) {
            found = "a PDF file";
        } else if (starts(b, 0, '8', 'B', 'P', 'S')) {
            found = "a Photoshop file";
        } else if (starts(b, 0, 'B', 'M')) {
            found = "a truncated BMP file (" + b.length + " bytes)";
        } else if (b.length >= 2 && b[0] == 0 && b[1] == 0) {
            found = "unrecognised bytes (WBMP or other, starting " + head(b) + ")";
        } else {
            found = "unrecognised bytes (starting " + head(b) + ")";
        }
        throw new IllegalArgumentException("image format is " + found + " (" + b.length + " bytes); expected one of "
                + acceptedText());
    }

    private static boolean starts(byte[] b, int off, int... magic) {
        if (b.length < off + magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((b[off + i] & 0xFF) != magic[i]) {
                return false;
            }
        }
        return true;
    }

    private static String head(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(4, b.length); i++) {
            s.append(String.format("%02x", b[i] & 0xFF));
        }
        return "0x" + s;
    }

    /**
     * Preprocesses a decoded image into 784 floats.
     *
     * @throws IllegalArgumentException if the image's pixels cannot be read (a malformed raster)
     */
    public static float[] fromImage(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] argb;
        try {
            argb = img.getRGB(0, 0, w, h, null, 0, w);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("decoded image (" + w + "x" + h + ") has pixels that cannot be read: "
                    + describe(e) + "; expected a valid " + acceptedText() + " file", e);
        }
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
