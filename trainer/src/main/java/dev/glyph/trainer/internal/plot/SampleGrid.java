package dev.glyph.trainer.internal.plot;

import dev.glyph.datasets.ImageSet;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Draws the first images of a set as a captioned grid, like matplotlib's
 * {@code imshow(img, cmap="gray")} subplots with {@code title("Label: 5")}: a white page, each
 * image scaled up with nearest-neighbour pixels, gray value 0 black and 255 white.
 *
 * <p>Thread-safety: stateless.
 */
public final class SampleGrid {

    /** Images per grid row at most. */
    public static final int MAX_COLUMNS = 8;
    /** Each source pixel becomes SCALE x SCALE output pixels. */
    public static final int SCALE = 4;
    /** Space around each image, in pixels. */
    public static final int PAD = 10;
    /** Height of the caption line above each image. */
    public static final int CAPTION = 22;

    private SampleGrid() {
    }

    /**
     * Where everything goes for {@code n} images of {@code rows x cols}.
     *
     * @param n number of images drawn
     * @param gridCols images per grid row
     * @param gridRows grid rows
     * @param cellWidth width of one cell
     * @param cellHeight height of one cell (caption, image, padding)
     * @param imageWidth scaled image width
     * @param imageHeight scaled image height
     */
    public record Layout(int n, int gridCols, int gridRows, int cellWidth, int cellHeight, int imageWidth,
            int imageHeight) {

        /** Width of the whole PNG. */
        public int width() {
            return gridCols * cellWidth + PAD;
        }

        /** Height of the whole PNG. */
        public int height() {
            return gridRows * cellHeight + PAD;
        }

        /** X of the top-left pixel of image {@code i}. */
        public int imageX(int i) {
            return PAD + (i % gridCols) * cellWidth;
        }

        /** Y of the top-left pixel of image {@code i}. */
        public int imageY(int i) {
            return PAD + (i / gridCols) * cellHeight + CAPTION;
        }
    }

    /** Computes the layout for {@code n} images of {@code rows x cols}. */
    public static Layout layout(int n, int rows, int cols) {
        int gridCols = Math.min(MAX_COLUMNS, n);
        int gridRows = (n + gridCols - 1) / gridCols;
        int w = cols * SCALE;
        int h = rows * SCALE;
        return new Layout(n, gridCols, gridRows, w + PAD, CAPTION + h + PAD, w, h);
    }

    /** Renders the first {@code n} images (1 <= n <= set.count()), each captioned {@code Label: <label>}. */
    public static BufferedImage render(ImageSet set, int n) {
        java.util.List<String> captions = new java.util.ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            captions.add("Label: " + set.label(i));
        }
        return render(set, captions);
    }

    /**
     * Renders the first {@code captions.size()} images (1 <= that <= set.count()), image {@code i} under
     * {@code captions.get(i)}; a caption wider than its cell is drawn in a smaller font (down to 8 points).
     */
    public static BufferedImage render(ImageSet set, java.util.List<String> captions) {
        int n = captions.size();
        Layout l = layout(n, set.rows(), set.cols());
        BufferedImage img = new BufferedImage(l.width(), l.height(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, l.width(), l.height());
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.BLACK);
            for (int i = 0; i < n; i++) {
                String caption = captions.get(i);
                int size = 13;
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, size));
                while (size > 8 && g.getFontMetrics().stringWidth(caption) > l.cellWidth() - 2) {
                    size--;
                    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, size));
                }
                FontMetrics fm = g.getFontMetrics();
                int x = l.imageX(i) + (l.imageWidth() - fm.stringWidth(caption)) / 2;
                int y = l.imageY(i) - (CAPTION - fm.getAscent()) / 2 - 2;
                g.drawString(caption, x, y);
            }
        } finally {
            g.dispose();
        }
        byte[] px = set.images();
        int per = set.pixelsPerImage();
        for (int i = 0; i < n; i++) {
            int x0 = l.imageX(i);
            int y0 = l.imageY(i);
            for (int r = 0; r < set.rows(); r++) {
                for (int c = 0; c < set.cols(); c++) {
                    int v = px[i * per + r * set.cols() + c] & 0xff;
                    int rgb = (v << 16) | (v << 8) | v;
                    for (int dy = 0; dy < SCALE; dy++) {
                        for (int dx = 0; dx < SCALE; dx++) {
                            img.setRGB(x0 + c * SCALE + dx, y0 + r * SCALE + dy, rgb);
                        }
                    }
                }
            }
        }
        return img;
    }

    /** Renders and writes the grid as a PNG, atomically (see {@link PlotCharts#writeAtomically}). */
    public static void write(ImageSet set, int n, Path png) throws IOException {
        write(render(set, n), png);
    }

    /** Renders the captioned grid ({@link #render(ImageSet, java.util.List)}) and writes it as a PNG, atomically. */
    public static void write(ImageSet set, java.util.List<String> captions, Path png) throws IOException {
        write(render(set, captions), png);
    }

    private static void write(BufferedImage img, Path png) throws IOException {
        PlotCharts.writeAtomically(png, out -> {
            if (!ImageIO.write(img, "png", out)) {
                throw new IOException("no PNG writer available in this JRE");
            }
        });
    }
}
