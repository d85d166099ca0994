package dev.glyph.modelformat.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.glyph.modelformat.Manifest;

/**
 * The Jackson mapper and the manifest's text layout: objects indented, arrays on one line, as in
 * docs/model-folder.md.
 *
 * <p>Thread-safety: the mapper and writer are immutable after construction and shared.
 */
public final class ManifestJson {

    /** The shared mapper. */
    public static final ObjectMapper MAPPER = new ObjectMapper();
    /** Indented objects with {@code "key": value}, arrays on one line as {@code [-1, 1, 28, 28]}. */
    public static final ObjectWriter PRETTY = MAPPER.writer(new DefaultPrettyPrinter(Separators.createDefaultInstance()
            .withObjectFieldValueSpacing(Separators.Spacing.AFTER).withArrayValueSpacing(Separators.Spacing.AFTER))
            .withArrayIndenter(DefaultPrettyPrinter.NopIndenter.instance));

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
