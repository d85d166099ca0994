package dev.glyph.inferencesdk;

/**
 * A {@link BatchingClassifier} refused a submission at once because its queue already holds
 * {@link BatcherOptions#maxQueue()} images. Callers should shed load or retry later (a server maps
 * this to RESOURCE_EXHAUSTED).
 *
 * <pre>{@code
 * try { batcher.submit(img, null); } catch (QueueFullException e) { // shed load }
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public class QueueFullException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a message saying how full the queue was. */
    public QueueFullException(String message) {
        super(message);
    }
}
