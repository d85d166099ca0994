package dev.glyph.inferencesdk.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class PreprocessorTest {

    /** Draws a "1"-like vertical bar (plus a small flag) on a w x h canvas. */
    static BufferedImage drawing(int w, int h, Color bg, Color ink, int type) {
        BufferedImage img = new BufferedImage(w, h, type);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(bg);
        g.fillRect(0, 0, w, h);
        g.setColor(ink);
        g.setStroke(new BasicStroke(Math.max(2, w / 12f)));
        g.drawLine(w / 3, h / 5, w / 3, h * 4 / 5);
        g.drawLine(w / 3, h / 5, w / 5, h / 3);
        g.dispose();
        return img;
    }

    static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), "no writer for " + format);
        return out.toByteArray();
    }

    /** Returns {x0, y0, x1, y1} of pixels above {@code t}. */
    static int[] bbox(float[] img, float t) {
        int[] b = {28, 28, -1, -1};
        for (int i = 0; i < img.length; i++) {
            if (img[i] > t) {
                int x = i % 28;
                int y = i / 28;
                b[0] = Math.min(b[0], x);
                b[1] = Math.min(b[1], y);
                b[2] = Math.max(b[2], x);
                b[3] = Math.max(b[3], y);
            }
        }
        return b;
    }

    static void assertMnistLike(float[] px) {
        assertEquals(784, px.length);
        float max = 0;
        for (float v : px) {
            assertTrue(v >= 0f && v <= 1f, "value " + v);
            max = Math.max(max, v);
        }
        assertTrue(max > 0.5f, "ink is normalised towards full intensity, max " + max);
        int[] b = bbox(px, 0f);
        int h = b[3] - b[1] + 1;
        int w = b[2] - b[0] + 1;
        assertTrue(Math.max(w, h) <= 20 + 0, "digit box " + w + "x" + h + " exceeds 20");
        assertTrue(Math.max(w, h) >= 19, "digit box " + w + "x" + h + " should fill 20 px on its longer side");
        double[] c = Preprocessor.centreOfMass(px);
        assertEquals(14.0, c[0], 0.5 + 1e-9, "centre of mass x");
        assertEquals(14.0, c[1], 0.5 + 1e-9, "centre of mass y");
    }

    @Test
    void fromEncoded_darkInkOnWhitePng_invertsCropsScalesAndCentres() throws IOException {
        float[] px = Preprocessor.fromEncoded(encode(drawing(300, 200, Color.WHITE, Color.BLACK,
                BufferedImage.TYPE_INT_RGB), "png"));
        assertMnistLike(px);
        assertEquals(0f, px[0], "corner is background after inversion");
    }

    @Test
    void fromEncoded_lightInkOnBlack_keepsPolarity() throws IOException {
        float[] a = Preprocessor.fromEncoded(encode(drawing(120, 120, Color.BLACK, Color.WHITE,
                BufferedImage.TYPE_BYTE_GRAY), "png"));
        float[] b = Preprocessor.fromEncoded(encode(drawing(120, 120, Color.WHITE, Color.BLACK,
                BufferedImage.TYPE_BYTE_GRAY), "png"));
        assertMnistLike(a);
        assertArrayEquals(bbox(a, 0.5f), bbox(b, 0.5f), "white-on-black and black-on-white give the same digit box");
        double diff = 0;
        for (int i = 0; i < 784; i++) {
            diff += Math.abs(a[i] - b[i]);
        }
        assertTrue(diff / 784 < 0.05, "mean difference " + diff / 784);
    }

    @Test
    void fromEncoded_jpegBmpGif_decodeAndPreprocess() throws IOException {
        for (String fmt : List.of("jpg", "bmp", "gif")) {
            float[] px = Preprocessor.fromEncoded(encode(drawing(64, 80, Color.WHITE, Color.BLUE,
                    BufferedImage.TYPE_INT_RGB), fmt));
            assertMnistLike(px);
        }
    }

    @Test
    void fromEncoded_tinyImage_isEnlargedTo20Pixels() throws IOException {
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 1; y < 7; y++) {
            img.getRaster().setSample(3, y, 0, 255);
            img.getRaster().setSample(4, y, 0, 200);
        }
        float[] px = Preprocessor.fromEncoded(encode(img, "png"));
        int[] b = bbox(px, 0f);
        assertEquals(20, b[3] - b[1] + 1, "height");
        double[] c = Preprocessor.centreOfMass(px);
        assertEquals(14.0, c[0], 0.5 + 1e-9);
        assertEquals(14.0, c[1], 0.5 + 1e-9);
    }

    @Test
    void fromEncoded_blankImage_isAllZeros() throws IOException {
        BufferedImage img = drawing(50, 50, Color.WHITE, Color.WHITE, BufferedImage.TYPE_INT_RGB);
        assertArrayEquals(new float[784], Preprocessor.fromEncoded(encode(img, "png")));
    }

    @Test
    void fromEncoded_offCentreInk_isShiftedToCentre() {
        double[] g = new double[100 * 100];
        for (int y = 5; y < 25; y++) {
            for (int x = 70; x < 95; x++) {
                g[y * 100 + x] = (x + y) % 3 == 0 ? 255 : 128;
            }
        }
        float[] px = Preprocessor.fromGray(g, 100, 100);
        double[] c = Preprocessor.centreOfMass(px);
        assertEquals(14.0, c[0], 0.5 + 1e-9);
        assertEquals(14.0, c[1], 0.5 + 1e-9);
    }

    @Test
    void place_heavyEdgePatch_isClampedInsideCanvas() {
        double[] patch = new double[20 * 20];
        for (int y = 0; y < 20; y++) {
            patch[y * 20 + 19] = 1.0; // all mass on the right edge
        }
        float[] px = Preprocessor.place(patch, 20, 20);
        int[] b = bbox(px, 0f);
        assertEquals(19, b[2], "the wanted shift (-5.5) is clamped to 0 so the patch stays inside");
        assertEquals(20, b[3] - b[1] + 1);
    }

    @Test
    void resize_areaAveraging_preservesMean() {
        double[] src = new double[30 * 30];
        for (int i = 0; i < src.length; i++) {
            src[i] = (i * 37 % 11) / 10.0;
        }
        double[] out = Preprocessor.resize(src, 30, 30, 20, 20);
        double a = 0;
        double b = 0;
        for (double v : src) {
            a += v;
        }
        for (double v : out) {
            b += v;
        }
        assertEquals(a / src.length, b / out.length, 1e-9);
    }

    @Test
    void fromEncoded_garbage_throwsWithSizeAndExpectedFormats() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Preprocessor.fromEncoded(new byte[] {1, 2, 3, 4, 5}));
        assertTrue(e.getMessage().contains("5 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("PNG"), e.getMessage());
    }

    @Test
    void fromEncoded_truncatedPng_throwsIllegalArgument() throws IOException {
        byte[] png = encode(drawing(64, 64, Color.WHITE, Color.BLACK, BufferedImage.TYPE_INT_RGB), "png");
        byte[] cut = java.util.Arrays.copyOf(png, png.length / 2);
        assertThrows(IllegalArgumentException.class, () -> Preprocessor.fromEncoded(cut));
    }

    @Test
    void fromEncoded_tiffAndWbmp_refusedByMagicNamingFoundAndAccepted() throws IOException {
        BufferedImage img = drawing(64, 64, Color.WHITE, Color.BLACK, BufferedImage.TYPE_INT_RGB);
        for (String[] f : new String[][] {{"tiff", "TIFF"}, {"wbmp", "WBMP"}}) {
            BufferedImage src = f[0].equals("wbmp") ? binary(img) : img;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Preprocessor.fromEncoded(encode(src, f[0])));
            assertTrue(e.getMessage().contains(f[1]), e.getMessage());
            assertTrue(e.getMessage().contains("expected one of PNG, JPEG, BMP, GIF"), e.getMessage());
        }
    }

    private static BufferedImage binary(BufferedImage img) {
        BufferedImage b = new BufferedImage(img.getWidth(), img.getHeight(), BufferedImage.TYPE_BYTE_BINARY);
        b.getGraphics().drawImage(img, 0, 0, null);
        return b;
    }

    /** A raster ImageIO can produce but BufferedImage.getRGB cannot read (the TIFF from issue 9). */
    @Test
    void fromImage_getRgbThrows_illegalArgumentNotRuntimeError() {
        BufferedImage broken = new BufferedImage(5, 9, BufferedImage.TYPE_INT_RGB) {
            @Override
            public int[] getRGB(int x, int y, int w, int h, int[] out, int off, int scan) {
                throw new ArrayIndexOutOfBoundsException("Index 2 out of bounds for length 2");
            }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Preprocessor.fromImage(broken));
        assertTrue(e.getMessage().contains("5x9") && e.getMessage().contains("ArrayIndexOutOfBounds"), e.getMessage());
    }

    @Test
    void fromEncoded_largeImage_subsampledToCapSameDigit() throws IOException {
        BufferedImage big = drawing(2000, 2000, Color.WHITE, Color.BLACK, BufferedImage.TYPE_INT_RGB);
        byte[] png = encode(big, "png");
        dev.glyph.inferencesdk.ImageHeader h = Preprocessor.readHeader(png);
        assertEquals("PNG", h.format());
        assertEquals(2000, h.width());
        assertEquals(4, h.subsampling(250_000), "2000x2000 to 500x500");
        assertEquals(5, h.subsampling(249_999), "one pixel less needs the next step");
        assertTrue(h.decodedPixels(250_000) <= 250_000);
        float[] full = Preprocessor.fromEncoded(png, 40_000_000, 4_000_000);
        float[] sub = Preprocessor.fromEncoded(png, 40_000_000, 250_000);
        assertMnistLike(sub);
        double diff = 0;
        for (int i = 0; i < 784; i++) {
            diff += Math.abs(full[i] - sub[i]);
        }
        assertTrue(diff / 784 < 0.05, "subsampled digit differs from the full decode by " + diff / 784 + " per pixel");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Preprocessor.fromEncoded(png, 1_000_000, 250_000));
        assertTrue(e.getMessage().contains("2000x2000") && e.getMessage().contains("1000000"), e.getMessage());
    }

    @Test
    void fromEncoded_nullOrEmpty_throws() {
        assertThrows(IllegalArgumentException.class, () -> Preprocessor.fromEncoded(null));
        assertThrows(IllegalArgumentException.class, () -> Preprocessor.fromEncoded(new byte[0]));
    }

    @Test
    void checkPixels_badValues_namesIndexAndValue() {
        float[] px = new float[784];
        px[30] = Float.NaN;
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Preprocessor.checkPixels(px));
        assertTrue(e.getMessage().startsWith("pixel 30 (row 1, column 2) is NaN"), e.getMessage());
        px[30] = 1.5f;
        e = assertThrows(IllegalArgumentException.class, () -> Preprocessor.checkPixels(px));
        assertTrue(e.getMessage().contains("is 1.5; expected"), e.getMessage());
        px[30] = Float.NEGATIVE_INFINITY;
        e = assertThrows(IllegalArgumentException.class, () -> Preprocessor.checkPixels(px));
        assertTrue(e.getMessage().contains("-Infinity"), e.getMessage());
    }

    @Test
    void gray8ToPixels_scalesBy255() {
        byte[] b = new byte[784];
        b[0] = (byte) 255;
        b[1] = (byte) 128;
        float[] px = Preprocessor.gray8ToPixels(b, 0);
        assertEquals(1f, px[0]);
        assertEquals(128 / 255f, px[1]);
        assertEquals(0f, px[2]);
    }
}
