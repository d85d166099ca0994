package dev.glyph.grpcserver.internal;

/**
 * The caller may not do this here, e.g. a repository load when management is off or from a remote
 * address; the message says how to enable it. Mapped to PERMISSION_DENIED (HTTP 403).
 *
 * <p>Thread-safety: immutable.
 */
public final class PermissionDeniedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception whose message names what was refused and how to allow it. */
    public PermissionDeniedException(String message) {
        super(message, null, false, false);
    }
}
