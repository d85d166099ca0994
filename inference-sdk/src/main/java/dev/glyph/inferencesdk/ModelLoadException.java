package dev.glyph.inferencesdk;

/**
 * A model folder could not be loaded: the folder or its {@code manifest.json} is missing, the
 * manifest is not valid JSON or lacks a field, {@code model.onnx} does not match its recorded
 * SHA-256 or size, the model's inputs or outputs are not what the SDK needs, or the requested
 * execution provider is unavailable. The message says what was found and what was expected.
 *
 * <pre>{@code
 * try (DigitClassifier c = DigitClassifier.open(dir)) { ... }
 * catch (ModelLoadException e) { System.err.println(e.getMessage()); }
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public class ModelLoadException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a message saying what was found and what was expected. */
    public ModelLoadException(String message) {
        super(message);
    }

    /** Creates an exception with a message and the underlying cause. */
    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
