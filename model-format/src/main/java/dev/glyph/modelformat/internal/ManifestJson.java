package dev.glyph.modelformat.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.glyph.modelformat.Manifest;

/**
 * The Jackson mapper and the manifest's text layout: objects indented, arrays of scalars on one line.
 *
 * <p>Thread-safety: the mapper and writer are immutable after construction and shared.
 */
public final class ManifestJson {

    /** The shared mapper. */
    public static final ObjectMapper MAPPER = new ObjectMapper();
    /** Indented objects, arrays of scalars on one line. */
    public static final ObjectWriter PRETTY = MAPPER.writer(new DefaultPrettyPrinter()
            .withArrayIndenter(DefaultPrettyPrinter.FixedSpaceIndenter.instance));

    private ManifestJson() {
    }

    /** Returns the manifest as indented JSON text ending in a newline. */
    public static String write(Manifest m) {
        try {
            return PRETTY.writeValueAsString(m) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise the manifest: " + e.getOriginalMessage(), e);
        }
    }
}
