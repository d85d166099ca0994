package dev.glyph.inferencesdk;

import java.time.Duration;

/**
 * How a {@link BatchingClassifier} forms batches. A value: every "setter" returns a modified copy.
 *
 * <pre>{@code
 * BatcherOptions o = BatcherOptions.defaults().maxBatchSize(64).maxDelay(Duration.ofMillis(2)).maxQueue(4096);
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param maxBatchSize most images per model call (default 64; at most the classifier's own limit)
 * @param maxDelay longest time the worker waits for a batch to fill after its first image arrives (default 2 ms;
 *     zero = never wait); it stops waiting early once the batch is as large as the previous one
 * @param maxQueue most images waiting at once; further submissions get {@link QueueFullException} (default 4096)
 * @param listener receives batch, expiry and rejection events (default {@link BatcherListener#NONE})
 * @param threadName name of the single worker thread (default {@code glyph-batcher})
 */
public record BatcherOptions(int maxBatchSize, Duration maxDelay, int maxQueue, BatcherListener listener,
        String threadName) {

    /** Validates the fields. */
    public BatcherOptions {
        if (maxBatchSize < 1) {
            throw new IllegalArgumentException("maxBatchSize is " + maxBatchSize + "; expected >= 1");
        }
        if (maxDelay == null || maxDelay.isNegative()) {
            throw new IllegalArgumentException("maxDelay is " + maxDelay + "; expected a duration >= 0");
        }
        if (maxQueue < 1) {
            throw new IllegalArgumentException("maxQueue is " + maxQueue + "; expected >= 1");
        }
        if (listener == null) {
            throw new IllegalArgumentException("listener is null; use BatcherListener.NONE");
        }
        if (threadName == null || threadName.isBlank()) {
            throw new IllegalArgumentException("threadName is empty");
        }
    }

    /** Returns batches of up to 64, a 2 ms delay, a queue of 4096, no listener. */
    public static BatcherOptions defaults() {
        return new BatcherOptions(64, Duration.ofMillis(2), 4096, BatcherListener.NONE, "glyph-batcher");
    }

    /** Returns a copy with batches of at most {@code n} images. */
    public BatcherOptions maxBatchSize(int n) {
        return new BatcherOptions(n, maxDelay, maxQueue, listener, threadName);
    }

    /** Returns a copy waiting at most {@code d} for a batch to fill. */
    public BatcherOptions maxDelay(Duration d) {
        return new BatcherOptions(maxBatchSize, d, maxQueue, listener, threadName);
    }

    /** Returns a copy holding at most {@code n} waiting images. */
    public BatcherOptions maxQueue(int n) {
        return new BatcherOptions(maxBatchSize, maxDelay, n, listener, threadName);
    }

    /** Returns a copy reporting to {@code l}. */
    public BatcherOptions listener(BatcherListener l) {
        return new BatcherOptions(maxBatchSize, maxDelay, maxQueue, l, threadName);
    }

    /** Returns a copy whose worker thread is called {@code name}. */
    public BatcherOptions threadName(String name) {
        return new BatcherOptions(maxBatchSize, maxDelay, maxQueue, listener, name);
    }
}
