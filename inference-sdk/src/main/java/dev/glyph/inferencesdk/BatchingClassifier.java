package dev.glyph.inferencesdk;

import dev.glyph.inferencesdk.internal.DynamicBatcher;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * In-process dynamic batching in front of a {@link DigitClassifier}: concurrent single-image
 * requests are queued and coalesced by one worker thread into model batches of up to
 * {@link BatcherOptions#maxBatchSize()}, waiting at most {@link BatcherOptions#maxDelay()} for a
 * batch to fill (and no longer once it is as large as the previous batch, so a steady set of
 * concurrent callers is not delayed needlessly).
 *
 * <pre>{@code
 * try (DigitClassifier c = DigitClassifier.open(dir);
 *      BatchingClassifier b = BatchingClassifier.create(c, BatcherOptions.defaults().maxBatchSize(64))) {
 *     CompletableFuture<Prediction> f = b.submit(image, Instant.now().plusMillis(100));
 *     Prediction p = b.classify(image);                       // blocking
 *     List<Prediction> ps = b.submitAll(images, null).join();  // several images, in order
 * }
 * }</pre>
 *
 * <p>Admission: a submission is refused at once with {@link QueueFullException} when the queue
 * already holds {@link BatcherOptions#maxQueue()} images (a multi-image submission is accepted or
 * refused as a whole), and with {@link BatcherClosedException} after {@link #close()}. A request
 * whose deadline has passed when the worker would put it into a batch is dropped, never executed,
 * counted in {@link BatcherStats#expired()} and completed with {@link DeadlineExceededException}.
 * A failed model call completes its batch's futures with {@link InferenceException}.
 *
 * <p>Thread-safety: all methods may be called from any number of threads. Futures are completed
 * on the worker thread, so dependent stages should be quick or use an executor of their own.
 * Closing the batcher does not close the wrapped classifier.
 */
public final class BatchingClassifier implements AutoCloseable {

    private final DynamicBatcher impl;

    private BatchingClassifier(DynamicBatcher impl) {
        this.impl = impl;
    }

    /**
     * Starts a batcher (and its one worker thread) over {@code classifier}.
     *
     * @throws IllegalArgumentException if {@code options.maxBatchSize()} exceeds the classifier's
     *     {@link DigitClassifier#maxBatchSize()}, or an argument is null
     */
    public static BatchingClassifier create(DigitClassifier classifier, BatcherOptions options) {
        if (classifier == null) {
            throw new IllegalArgumentException("classifier is null");
        }
        if (options == null) {
            throw new IllegalArgumentException("options are null; use BatcherOptions.defaults()");
        }
        if (options.maxBatchSize() > classifier.maxBatchSize()) {
            throw new IllegalArgumentException("batcher maxBatchSize is " + options.maxBatchSize()
                    + " but the classifier accepts at most " + classifier.maxBatchSize());
        }
        return new BatchingClassifier(new DynamicBatcher(classifier::classifyBatch, options));
    }

    /** Starts a batcher over {@code classifier} with {@link BatcherOptions#defaults()}. */
    public static BatchingClassifier create(DigitClassifier classifier) {
        return create(classifier, BatcherOptions.defaults());
    }

    /**
     * Queues one image. The future completes with its prediction, or exceptionally with
     * {@link DeadlineExceededException}, {@link InferenceException} or {@link BatcherClosedException}.
     *
     * @param image the image
     * @param deadline when the caller stops caring, or {@code null} for none
     * @throws QueueFullException if the queue is full
     * @throws BatcherClosedException after {@link #close()}
     * @throws IllegalArgumentException if {@code image} is null
     */
    public CompletableFuture<Prediction> submit(DigitImage image, Instant deadline) {
        return impl.submit(image, deadline);
    }

    /**
     * Queues several images as one request; they may be split across batches. The future
     * completes with the predictions in input order once all are done, or exceptionally with the
     * first failure (the other images of the request are then not waited for).
     *
     * @throws QueueFullException if the queue cannot take all of them now (none is queued)
     * @throws BatcherClosedException after {@link #close()}
     * @throws IllegalArgumentException if the list is null or empty, or holds a null (its index is named)
     */
    public CompletableFuture<List<Prediction>> submitAll(List<DigitImage> images, Instant deadline) {
        return impl.submitAll(images, deadline);
    }

    /**
     * Classifies one image, blocking until done.
     *
     * @throws QueueFullException if the queue is full
     * @throws DeadlineExceededException if {@code deadline} passed before the image joined a batch
     * @throws InferenceException if the model call failed
     * @throws BatcherClosedException if the batcher is or gets closed before the image ran
     */
    public Prediction classify(DigitImage image, Instant deadline) {
        return impl.await(impl.submit(image, deadline));
    }

    /** Classifies one image with no deadline, blocking until done. */
    public Prediction classify(DigitImage image) {
        return classify(image, null);
    }

    /** Returns the number of images waiting in the queue now. */
    public int queueDepth() {
        return impl.queueDepth();
    }

    /** Returns a snapshot of the counters and distributions. */
    public BatcherStats stats() {
        return impl.stats();
    }

    /** Returns the options this batcher runs with. */
    public BatcherOptions options() {
        return impl.options();
    }

    /**
     * Stops accepting submissions, runs what is already queued (dropping expired requests as
     * usual), and joins the worker thread, waiting at most {@code timeout}; requests still queued
     * after that complete with {@link BatcherClosedException}. Idempotent.
     *
     * @return {@code true} if the worker finished within the timeout
     */
    public boolean close(Duration timeout) {
        return impl.close(timeout);
    }

    /** Same as {@link #close(Duration)} with 30 seconds. Idempotent. */
    @Override
    public void close() {
        impl.close(Duration.ofSeconds(30));
    }
}
