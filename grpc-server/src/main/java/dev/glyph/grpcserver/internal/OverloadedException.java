package dev.glyph.grpcserver.internal;

/**
 * The server cannot take this request now (decode pool queue full, decoded-bytes cap reached);
 * mapped to RESOURCE_EXHAUSTED. The message says which bound and how to retry.
 *
 * <p>Thread-safety: immutable.
 */
public final class OverloadedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a message naming the bound that was hit. */
    public OverloadedException(String message) {
        super(message, null, false, false);
    }
}
