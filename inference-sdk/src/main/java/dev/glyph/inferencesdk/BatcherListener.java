package dev.glyph.inferencesdk;

/**
 * Receives a {@link BatchingClassifier}'s events, for example to publish them as Prometheus
 * metrics. Every method has an empty default, so implement only what you need.
 *
 * <pre>{@code
 * BatcherListener l = new BatcherListener() {
 *     public void onBatch(int size, long maxQueueWaitNanos, long computeNanos) { batchSize.observe(size); }
 *     public void onQueueWait(long nanos) { queueWait.observe(nanos / 1e9); }
 * };
 * }</pre>
 *
 * <p>Thread-safety: {@link #onBatch}, {@link #onQueueWait} and {@link #onBatchFailed} are called
 * from the batcher's single worker thread; {@link #onExpired} from the worker, the batcher's
 * deadline thread or a submitting thread (for requests already late at submission);
 * {@link #onRejected} from submitting threads and {@link #onCancelled} from the thread that
 * cancels a future, so implementations must be thread-safe. Calls must be quick and should not throw;
 * anything thrown is logged and ignored.
 */
public interface BatcherListener {

    /** A listener that ignores everything. */
    BatcherListener NONE = new BatcherListener() {
    };

    /**
     * A model batch completed successfully.
     *
     * @param size images in the batch
     * @param maxQueueWaitNanos the longest time any of its images waited in the queue
     * @param computeNanos wall time of the model call
     */
    default void onBatch(int size, long maxQueueWaitNanos, long computeNanos) {
    }

    /** One image left the queue to join a batch after waiting {@code queueWaitNanos}; called once per image. */
    default void onQueueWait(long queueWaitNanos) {
    }

    /** A model batch of {@code size} images failed; their futures complete with {@code error}. */
    default void onBatchFailed(int size, RuntimeException error) {
    }

    /** One image was dropped because its deadline had passed before it joined a batch. */
    default void onExpired() {
    }

    /**
     * One image was dropped unexecuted because its future was cancelled (its caller left) before
     * it joined a batch.
     */
    default void onCancelled() {
    }

    /** One submission (of one or more images) was refused because the queue was full. */
    default void onRejected() {
    }
}
