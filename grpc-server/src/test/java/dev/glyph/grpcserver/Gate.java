package dev.glyph.grpcserver;

import dev.glyph.inferencesdk.BatcherListener;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A batcher listener that, once armed, holds the batcher's worker thread inside the next batch
 * (before the model call) until released, so tests can fill the queue deterministically.
 */
final class Gate implements BatcherListener {

    private final AtomicBoolean armed = new AtomicBoolean();
    private final CountDownLatch entered = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    final AtomicLong batches = new AtomicLong();
    final AtomicLong images = new AtomicLong();

    void arm() {
        armed.set(true);
    }

    /** Waits until the worker is held. */
    void awaitHeld() throws InterruptedException {
        if (!entered.await(60, TimeUnit.SECONDS)) {
            throw new AssertionError("the batcher worker never reached the gate");
        }
    }

    void release() {
        release.countDown();
    }

    @Override
    public void onQueueWait(long queueWaitNanos) {
        if (armed.compareAndSet(true, false)) {
            entered.countDown();
            try {
                release.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void onBatch(int size, long maxQueueWaitNanos, long computeNanos) {
        batches.incrementAndGet();
        images.addAndGet(size);
    }
}
