package dev.glyph.datasets;

/**
 * A data set could not be fetched, found or read.
 *
 * <p>The message is meant for the user: it names the file or folder and the problem, with the
 * value found and the value expected, and where it helps it says what to do next, for example
 *
 * <pre>{@code
 * try {
 *     Dataset mnist = Datasets.ensure("mnist", Path.of("data/mnist"));
 * } catch (DataException e) {
 *     System.err.println(e.getMessage());   // never a stack trace for the user
 * }
 * }</pre>
 *
 * <p>Thread-safety: immutable once thrown.
 */
public final class DataException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Creates an exception with a user-facing message. */
    public DataException(String msg) {
        super(msg);
    }

    /** Creates an exception with a user-facing message and the low-level cause. */
    public DataException(String msg, Throwable cause) {
        super(msg, cause);
    }
}
