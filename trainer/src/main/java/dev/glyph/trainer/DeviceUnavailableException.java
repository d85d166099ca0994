package dev.glyph.trainer;

/** {@code --device gpu} was asked for but DJL's PyTorch engine sees no GPU. */
public class DeviceUnavailableException extends TrainingException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a user-facing message. */
    public DeviceUnavailableException(String message) {
        super(message);
    }
}
