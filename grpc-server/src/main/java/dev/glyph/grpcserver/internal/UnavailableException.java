package dev.glyph.grpcserver.internal;

/**
 * The server cannot take work now: the model is not loaded or warmed up yet, or the server is
 * draining. Mapped to UNAVAILABLE.
 *
 * <p>Thread-safety: immutable.
 */
public final class UnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a message saying why. */
    public UnavailableException(String message) {
        super(message, null, false, false);
    }
}
