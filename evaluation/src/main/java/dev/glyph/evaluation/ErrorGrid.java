package dev.glyph.evaluation;

import dev.glyph.inferencesdk.DigitImage;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Draws misclassified images as a captioned grid (Java2D, headless): each preprocessed 28x28 image as the model
 * saw it, scaled up with nearest-neighbour pixels (0 black, 1 white), under a caption {@code true→pred}.
 *
 * <pre>{@code
 * ErrorGrid.write(report.errors(), Path.of("out/errors.png"));
 * }</pre>
 *
 * <p>Thread-safety: stateless.
 */
public final class ErrorGrid {

    /** Images per grid row at most. */
    public static final int MAX_COLUMNS = 10;
    /** Each source pixel becomes SCALE x SCALE output pixels. */
    public static final int SCALE = 3;
    /** Space around each image, in pixels. */
    public static final int PAD = 8;
    /** Height of the caption line above each image. */
    public static final int CAPTION = 18;
    /** The most images drawn. */
    public static final int MAX_IMAGES = 100;

    private ErrorGrid() {
    }

    /**
     * Renders the first {@link #MAX_IMAGES} of {@code errors}; an empty list gives a small image saying so.
     */
    public static BufferedImage render(List<Misclassified> errors) {
        int n = Math.min(MAX_IMAGES, errors.size());
        int side = DigitImage.SIZE * SCALE;
        int cols = Math.max(1, Math.min(MAX_COLUMNS, n));
        int rows = Math.max(1, (n + cols - 1) / cols);
        int cellW = side + PAD;
        int cellH = CAPTION + side + PAD;
        int width = n == 0 ? 220 : cols * cellW + PAD;
        int height = n == 0 ? 40 : rows * cellH + PAD;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            FontMetrics fm = g.getFontMetrics();
            if (n == 0) {
                g.drawString("no misclassified images", PAD, 25);
            }
            for (int i = 0; i < n; i++) {
                Misclassified m = errors.get(i);
                int x0 = PAD + (i % cols) * cellW;
                int y0 = PAD + (i / cols) * cellH + CAPTION;
                String caption = m.caption();
                g.drawString(caption, x0 + (side - fm.stringWidth(caption)) / 2, y0 - (CAPTION - fm.getAscent()) / 2 - 2);
                for (int r = 0; r < DigitImage.SIZE; r++) {
                    for (int c = 0; c < DigitImage.SIZE; c++) {
                        int v = Math.round(m.image().pixel(r, c) * 255f);
                        g.setColor(new Color(v, v, v));
                        g.fillRect(x0 + c * SCALE, y0 + r * SCALE, SCALE, SCALE);
                    }
                }
                g.setColor(Color.BLACK);
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    /** Renders {@code errors} and writes the PNG to {@code png} (through a temporary file, then renamed). */
    public static void write(List<Misclassified> errors, Path png) throws IOException {
        BufferedImage img = render(errors);
        Path dir = png.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + png.getFileName() + "." + ProcessHandle.current().pid() + "."
                + Thread.currentThread().getId() + ".tmp");
        try {
            if (!ImageIO.write(img, "png", tmp.toFile())) {
                throw new IOException("no PNG writer available in this JRE");
            }
            Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
