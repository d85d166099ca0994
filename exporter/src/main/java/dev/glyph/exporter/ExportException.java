package dev.glyph.exporter;

/**
 * An export did not happen: the run folder is missing or corrupt, the data set is absent, the target exists,
 * a file could not be written, or the parity check failed. Nothing is left half-written. The message is meant
 * for the user as it is.
 */
public class ExportException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The parity report when the export failed its parity check, else null. */
    private final transient ParityReport parity;

    /** Creates an exception with a user-facing message. */
    public ExportException(String message) {
        this(message, null, null);
    }

    /** Creates an exception with a user-facing message and its cause. */
    public ExportException(String message, Throwable cause) {
        this(message, cause, null);
    }

    /** Creates an exception for a failed parity check. */
    public ExportException(String message, Throwable cause, ParityReport parity) {
        super(message, cause);
        this.parity = parity;
    }

    /** Returns the failed parity report, or null if the export failed for another reason. */
    public ParityReport parity() {
        return parity;
    }
}
