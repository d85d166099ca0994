package dev.glyph.modelformat;

import java.io.IOException;

/**
 * A model folder that cannot be read as the format says: a missing folder or manifest, bad JSON, a missing or
 * mistyped field, or a file that differs from its manifest entry. The message names the file and says what was
 * found and what was expected, on one line.
 *
 * <p>It is an {@link IOException}, so callers that already handle I/O failures handle it too.
 */
public class ModelFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the user-facing one-line message
     * @param cause the underlying failure, or null when the message says everything
     */
    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
