package dev.glyph.grpcserver.internal;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Where encoded images are decoded: a fixed pool of threads with a bounded task queue, never the
 * transport threads (so a slow image cannot stall health checks or other calls), plus a cap on
 * the bytes all images being decoded may hold at once. Both bounds refuse with
 * {@link OverloadedException} (RESOURCE_EXHAUSTED) rather than wait.
 *
 * <pre>{@code
 * DecodePool pool = new DecodePool(2, 256, 128 << 20, "glyph-server-1-decode");
 * CompletableFuture<List<DigitImage>> f = pool.submit(() -> decoder.decode(request, 64));
 * pool.close(Duration.ofSeconds(5));
 * }</pre>
 *
 * <p>Thread-safety: thread-safe.
 */
public final class DecodePool {

    private final ThreadPoolExecutor executor;
    private final int queueCapacity;
    private final long maxBytes;
    private final AtomicLong bytes = new AtomicLong();

    /**
     * Starts {@code threads} daemon threads named {@code name-N}.
     *
     * @param queueCapacity most requests waiting for a decode thread
     * @param maxBytes most bytes reserved at once through {@link #reserve(long, String)}
     */
    public DecodePool(int threads, int queueCapacity, long maxBytes, String name) {
        AtomicInteger n = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(queueCapacity), r -> {
                    Thread t = new Thread(r, name + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.AbortPolicy());
        this.queueCapacity = queueCapacity;
        this.maxBytes = maxBytes;
    }

    /**
     * Runs {@code task} on a decode thread.
     *
     * @throws OverloadedException if {@code queueCapacity} requests already wait for a decode thread
     */
    public <T> CompletableFuture<T> submit(Supplier<T> task) {
        try {
            return CompletableFuture.supplyAsync(task, executor);
        } catch (RejectedExecutionException e) {
            if (executor.isShutdown()) {
                throw new UnavailableException("server is shutting down; retry on another server");
            }
            throw new OverloadedException("image decode queue is full (" + queueCapacity
                    + " requests with encoded images wait for a decode thread); retry later");
        }
    }

    /**
     * Reserves {@code n} bytes for decoding one image until {@link #release(long)}.
     *
     * @param what names the image in the message, e.g. {@code images[2]}
     * @throws OverloadedException if that would exceed the cap
     */
    public void reserve(long n, String what) {
        while (true) {
            long cur = bytes.get();
            if (cur + n > maxBytes) {
                throw new OverloadedException(what + ": decoding it needs about " + n + " bytes but " + cur + " of at"
                        + " most " + maxBytes + " bytes (max decoded bytes) are held by images being decoded; retry later");
            }
            if (bytes.compareAndSet(cur, cur + n)) {
                return;
            }
        }
    }

    /** Gives back {@code n} reserved bytes. */
    public void release(long n) {
        bytes.addAndGet(-n);
    }

    /** Returns the bytes reserved now. */
    public long bytesInUse() {
        return bytes.get();
    }

    /** Stops the threads after the tasks already queued, waiting at most {@code timeout}. */
    public void close(Duration timeout) {
        executor.shutdown();
        try {
            if (!executor.awaitTermination(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            executor.shutdownNow();
        }
    }
}
