package dev.glyph.inferencesdk;

/**
 * The inference engine failed while running a loaded model (for example a native error or an
 * out-of-memory condition). Bad caller input is reported as {@link IllegalArgumentException}
 * instead, before the engine is called.
 *
 * <pre>{@code
 * try { c.classify(img); } catch (InferenceException e) { log.error("inference failed", e); }
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public class InferenceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a message. */
    public InferenceException(String message) {
        super(message);
    }

    /** Creates an exception with a message and the engine's cause (its message is kept, its type is not part of the API). */
    public InferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
