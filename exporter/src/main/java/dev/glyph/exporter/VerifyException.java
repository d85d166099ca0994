package dev.glyph.exporter;

/**
 * A model folder could not be verified: the folder or manifest is missing or malformed, a listed file is
 * missing or its size or SHA-256 differs from the manifest, a file does not load, the data set or the run
 * folder is unusable, or parity.json cannot be written. The message names the file and says what was found
 * and what was expected. (A completed check whose formats disagree is not an exception: it is a
 * {@link ParityReport} with {@code passed() == false}.)
 */
public class VerifyException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a user-facing message. */
    public VerifyException(String message) {
        super(message);
    }

    /** Creates an exception with a user-facing message and its cause. */
    public VerifyException(String message, Throwable cause) {
        super(message, cause);
    }
}
