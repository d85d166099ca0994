package dev.glyph.inferencesdk;

/**
 * A {@link BatchingClassifier} is closed: a submission after {@link BatchingClassifier#close()} is
 * refused with this exception, and so is any request that was still queued when the close gave up
 * waiting for it (see {@link BatchingClassifier#close(java.time.Duration)}).
 *
 * <pre>{@code
 * try { batcher.submit(img, null); } catch (BatcherClosedException e) { // shutting down }
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public class BatcherClosedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a message. */
    public BatcherClosedException(String message) {
        super(message);
    }
}
