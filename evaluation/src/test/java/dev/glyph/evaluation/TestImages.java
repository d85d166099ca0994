package dev.glyph.evaluation;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Writes small digit-like images for the tests. */
final class TestImages {

    private TestImages() {
    }

    /** Writes a 40x40 image in {@code format} (png, jpg, bmp): a black stroke on white whose shape depends on {@code k}. */
    static Path write(Path file, String format, int k) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        BufferedImage img = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 40, 40);
        g.setColor(Color.BLACK);
        g.setStroke(new BasicStroke(4));
        if (k % 2 == 0) {
            g.drawOval(10, 6, 20, 28);
        } else {
            g.drawLine(20, 5, 20 + (k % 5), 35);
        }
        g.dispose();
        if (!ImageIO.write(img, format, file.toFile())) {
            throw new IOException("no writer for " + format);
        }
        return file;
    }

    /** A 28x28 float image with a 3-pixel-wide vertical bar in columns 12..14, rows 6..21. */
    static float[] bar() {
        float[] px = new float[784];
        for (int r = 6; r <= 21; r++) {
            for (int c = 12; c <= 14; c++) {
                px[r * 28 + c] = 1f;
            }
        }
        return px;
    }

    /** Number of pixels above 0.5. */
    static int ink(float[] px) {
        int n = 0;
        for (float v : px) {
            if (v > 0.5f) {
                n++;
            }
        }
        return n;
    }
}
