package dev.glyph.trainer;

/**
 * DJL could not find or load libtorch: a wrong {@code PYTORCH_LIBRARY_PATH}, {@code PYTORCH_VERSION} or
 * {@code PYTORCH_FLAVOR}, no libtorch offline, a failed download, or a library that does not load. The
 * message is one line that says what was found, what was expected and what to do.
 */
public class EngineUnavailableException extends TrainingException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a user-facing message. */
    public EngineUnavailableException(String message) {
        super(message);
    }

    /** Creates an exception with a user-facing message and its cause. */
    public EngineUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
