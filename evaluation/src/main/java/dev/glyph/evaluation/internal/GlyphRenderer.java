package dev.glyph.evaluation.internal;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontFormatException;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.font.FontRenderContext;
import java.awt.geom.AffineTransform;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the font files under some folders and draws one digit white on black with Java2D, large, as a PNG.
 *
 * <p>Thread-safety: stateless.
 */
public final class GlyphRenderer {

    private static final Logger LOG = LoggerFactory.getLogger(GlyphRenderer.class);
    private static final String DIGITS = "0123456789";
    /** Family names whose digits are not digit shapes. */
    private static final String EXCLUDED = "(?i).*(dingbat|symbol|emoji|wingding|d050000l|standard symbols).*";
    private static final FontRenderContext FRC = new FontRenderContext(null, true, true);

    private GlyphRenderer() {
    }

    /**
     * Returns the fonts (size 1) of the TrueType/OpenType files under {@code dirs} that have all ten digits, one per
     * font name, sorted by font name; files that do not load are logged and skipped.
     */
    public static List<Font> fonts(List<Path> dirs) throws IOException {
        TreeMap<String, Font> byName = new TreeMap<>();
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            List<Path> files;
            try (Stream<Path> s = Files.walk(dir)) {
                files = s.filter(Files::isRegularFile).filter(p -> {
                    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                    return n.endsWith(".ttf") || n.endsWith(".otf") || n.endsWith(".ttc");
                }).sorted().toList();
            }
            for (Path f : files) {
                try {
                    for (Font font : Font.createFonts(f.toFile())) {
                        if (font.canDisplayUpTo(DIGITS) == -1 && !font.getFontName(Locale.ROOT).matches(EXCLUDED)
                                && !font.getFamily(Locale.ROOT).matches(EXCLUDED)) {
                            byName.putIfAbsent(font.getFontName(Locale.ROOT), font);
                        }
                    }
                } catch (FontFormatException | IOException e) {
                    LOG.debug("skipping font file {}: {}", f, e.toString());
                }
            }
        }
        return new ArrayList<>(byName.values());
    }

    /**
     * Draws {@code digit} in {@code font} at {@code size} pixels, white on black, on a square canvas with margin:
     * {@code boldStroke} &gt; 0 outlines the glyph with a stroke that wide (relative to the size) on top of its
     * fill, {@code shear} slants it (x += shear * -y), {@code degrees} rotates it about its centre. Returns PNG
     * bytes.
     */
    public static byte[] png(Font font, int digit, int size, double boldStroke, double shear, double degrees) {
        Font f = font.deriveFont((float) size);
        Shape glyph = f.createGlyphVector(FRC, String.valueOf((char) ('0' + digit))).getOutline();
        Rectangle2D b = glyph.getBounds2D();
        AffineTransform t = new AffineTransform();
        int canvas = size * 2;
        t.translate(canvas / 2.0, canvas / 2.0);
        t.rotate(Math.toRadians(degrees));
        t.shear(-shear, 0);
        t.translate(-b.getCenterX(), -b.getCenterY());
        Shape placed = t.createTransformedShape(glyph);
        BufferedImage img = new BufferedImage(canvas, canvas, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(Color.BLACK);
            g.fillRect(0, 0, canvas, canvas);
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(Color.WHITE);
            g.fill(placed);
            if (boldStroke > 0) {
                g.setStroke(new BasicStroke((float) (boldStroke * size), BasicStroke.CAP_ROUND,
                        BasicStroke.JOIN_ROUND));
                g.draw(placed);
            }
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
