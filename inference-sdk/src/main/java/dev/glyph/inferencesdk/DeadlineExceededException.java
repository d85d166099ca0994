package dev.glyph.inferencesdk;

/**
 * A {@link BatchingClassifier} dropped a request whose deadline had passed before it joined a
 * batch; the image was never run through the model. Completes the request's future exceptionally.
 *
 * <pre>{@code
 * batcher.submit(img, Instant.now().plusMillis(50)).exceptionally(t -> ...);
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public class DeadlineExceededException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a message saying by how much the deadline was missed. */
    public DeadlineExceededException(String message) {
        super(message);
    }
}
