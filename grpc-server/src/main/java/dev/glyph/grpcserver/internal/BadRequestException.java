package dev.glyph.grpcserver.internal;

/**
 * A request is malformed; the message names the field and image index, e.g.
 * {@code images[3].gray8: expected 784 bytes, found 100}. Mapped to INVALID_ARGUMENT.
 *
 * <p>Thread-safety: immutable.
 */
public final class BadRequestException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a message naming the field. */
    public BadRequestException(String message) {
        super(message, null, false, false);
    }
}
