package dev.glyph.trainer;

/**
 * A run folder or its checkpoint is missing, partial, corrupt or of another architecture. Such a
 * checkpoint is never loaded.
 */
public class CheckpointException extends TrainingException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a user-facing message. */
    public CheckpointException(String message) {
        super(message);
    }

    /** Creates an exception with a user-facing message and its cause. */
    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
