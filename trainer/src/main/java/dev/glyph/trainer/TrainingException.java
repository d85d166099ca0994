package dev.glyph.trainer;

/**
 * Training could not start or finish: bad data, an unusable device, an incompatible or corrupt
 * checkpoint, or an I/O failure in the run folder. The message says what was found and what was
 * expected; it is meant for the user as it is.
 */
public class TrainingException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a user-facing message. */
    public TrainingException(String message) {
        super(message);
    }

    /** Creates an exception with a user-facing message and its cause. */
    public TrainingException(String message, Throwable cause) {
        super(message, cause);
    }
}
