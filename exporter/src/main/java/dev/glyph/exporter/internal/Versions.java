package dev.glyph.exporter.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Glyph's version as Maven filtered it into {@code version.properties} at build time.
 *
 * <p>Thread-safety: immutable after class initialisation.
 */
public final class Versions {

    /** The fallback when the resource is missing (classes run outside the Maven build). */
    static final String UNKNOWN = "unknown";
    private static final String GLYPH = load();

    private Versions() {
    }

    /** Returns Glyph's version, e.g. {@code 0.1.0-SNAPSHOT}. */
    public static String glyph() {
        return GLYPH;
    }

    private static String load() {
        try (InputStream in = Versions.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return UNKNOWN;
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", UNKNOWN).trim();
            return v.isEmpty() || v.startsWith("${") ? UNKNOWN : v;
        } catch (IOException e) {
            return UNKNOWN;
        }
    }
}
