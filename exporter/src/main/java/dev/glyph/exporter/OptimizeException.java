package dev.glyph.exporter;

/**
 * An optimisation did not happen: the source folder is missing, corrupt or not fp32, the data are absent, the
 * target exists, calibration or a forward pass failed, or the optimised model failed the accuracy gate (then
 * {@link #gate()} holds the figures). Nothing is written in any of these cases. The message is meant for the user
 * as it is.
 */
public class OptimizeException extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient GateReport gate;

    /** Creates an exception with a user-facing message. */
    public OptimizeException(String message) {
        this(message, null, null);
    }

    /** Creates an exception with a user-facing message and its cause. */
    public OptimizeException(String message, Throwable cause) {
        this(message, cause, null);
    }

    /** Creates an exception for a failed gate. */
    public OptimizeException(String message, Throwable cause, GateReport gate) {
        super(message, cause);
        this.gate = gate;
    }

    /** Returns the failed gate, or null if the optimisation failed for another reason. */
    public GateReport gate() {
        return gate;
    }
}
