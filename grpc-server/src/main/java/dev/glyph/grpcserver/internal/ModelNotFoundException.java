package dev.glyph.grpcserver.internal;

/**
 * A request named a model or version the server does not serve. Mapped to NOT_FOUND (HTTP 404).
 *
 * <p>Thread-safety: immutable.
 */
public final class ModelNotFoundException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception whose message names what was asked for and what is served. */
    public ModelNotFoundException(String message) {
        super(message, null, false, false);
    }
}
