package dev.glyph.grpcserver.internal;

/**
 * The request was valid but the server's state does not allow its result, e.g. a repository load after which
 * no version of the model is ready; the message gives the reasons. Mapped to FAILED_PRECONDITION (HTTP 400).
 *
 * <p>Thread-safety: immutable.
 */
public final class PreconditionFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception whose message says what state was found and what was expected. */
    public PreconditionFailedException(String message) {
        super(message, null, false, false);
    }
}
