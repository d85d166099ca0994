package dev.glyph.inferencesdk.internal;

import dev.glyph.inferencesdk.BatcherClosedException;
import dev.glyph.inferencesdk.BatcherListener;
import dev.glyph.inferencesdk.BatcherOptions;
import dev.glyph.inferencesdk.BatcherStats;
import dev.glyph.inferencesdk.DeadlineExceededException;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.InferenceException;
import dev.glyph.inferencesdk.Prediction;
import dev.glyph.inferencesdk.QueueFullException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue and single worker thread behind {@link dev.glyph.inferencesdk.BatchingClassifier}.
 *
 * <p>Worker loop: wait for the first queued request; then keep taking requests (FIFO) until the
 * batch holds {@code maxBatchSize} images, or as many as the previous batch (steady load: the
 * callers of the last batch are back, so waiting longer only adds latency), or {@code maxDelay}
 * has passed since the first one was queued (no waiting while closing). Everything already queued
 * is taken, up to {@code maxBatchSize}, so batches grow as soon as load grows.
 *
 * <p>Work whose caller has left is never executed and leaves the queue at once: a request with a
 * deadline is removed from the queue by a deadline thread the moment the deadline passes
 * (counted as expired); a request whose future is cancelled is removed by the cancelling thread
 * (counted as cancelled); and the batch is checked again just before the model call. The model function is called outside the lock; futures are completed on the
 * worker thread after it returns.
 *
 * <p>Thread-safety: all public methods are thread-safe.
 */
public final class DynamicBatcher {

    private static final Logger LOG = LoggerFactory.getLogger(DynamicBatcher.class);

    /** One queued image; {@code queued} is guarded by the lock. */
    private static final class Request {
        final DigitImage image;
        final long deadlineNanos;
        final long enqueuedNanos;
        final CompletableFuture<Prediction> future;
        boolean queued;

        Request(DigitImage image, long deadlineNanos, long enqueuedNanos, CompletableFuture<Prediction> future) {
            this.image = image;
            this.deadlineNanos = deadlineNanos;
            this.enqueuedNanos = enqueuedNanos;
            this.future = future;
        }

        DigitImage image() {
            return image;
        }

        long deadlineNanos() {
            return deadlineNanos;
        }

        long enqueuedNanos() {
            return enqueuedNanos;
        }

        CompletableFuture<Prediction> future() {
            return future;
        }
    }

    private static final long NO_DEADLINE = Long.MAX_VALUE;

    private final Function<List<DigitImage>, List<Prediction>> model;
    private final BatcherOptions options;
    private final BatcherListener listener;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final ArrayDeque<Request> queue = new ArrayDeque<>();
    private final AtomicInteger depth = new AtomicInteger();
    private final Thread worker;
    /** Removes queued requests the moment their deadline passes. */
    private final ScheduledThreadPoolExecutor deadlines;
    private volatile boolean closed;
    private volatile boolean abandon;
    /** Size of the previous batch (worker thread only); a batch this large is dispatched without waiting. */
    private int lastBatchSize = 1;

    private final LongAdder submitted = new LongAdder();
    private final LongAdder images = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder expired = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final FixedHistogram batchSize;
    private final FixedHistogram queueWait = FixedHistogram.nanos();
    private final FixedHistogram compute = FixedHistogram.nanos();

    /** Starts the worker thread. */
    public DynamicBatcher(Function<List<DigitImage>, List<Prediction>> model, BatcherOptions options) {
        this.model = model;
        this.options = options;
        this.listener = options.listener();
        this.batchSize = FixedHistogram.powersOfTwo(Math.max(1, Integer.highestOneBit(options.maxBatchSize()) * 2L));
        this.deadlines = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, options.threadName() + "-deadlines");
            t.setDaemon(true);
            return t;
        });
        this.deadlines.setRemoveOnCancelPolicy(true);
        this.deadlines.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.worker = new Thread(this::runWorker, options.threadName());
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /** Queues one image; see {@link dev.glyph.inferencesdk.BatchingClassifier#submit}. */
    public CompletableFuture<Prediction> submit(DigitImage image, Instant deadline) {
        if (image == null) {
            throw new IllegalArgumentException("image is null");
        }
        long now = System.nanoTime();
        long dl = deadlineNanos(deadline, now);
        CompletableFuture<Prediction> f = new CompletableFuture<>();
        Request r = new Request(image, dl, now, f);
        if (dl - now <= 0) {
            checkOpen();
            expire(r, now);
            return f;
        }
        List<Request> reqs = List.of(r);
        enqueue(reqs);
        watch(reqs, f, dl, now);
        return f;
    }

    /** Queues several images as one request; see {@link dev.glyph.inferencesdk.BatchingClassifier#submitAll}. */
    public CompletableFuture<List<Prediction>> submitAll(List<DigitImage> imgs, Instant deadline) {
        if (imgs == null) {
            throw new IllegalArgumentException("image list is null; expected at least one image");
        }
        int n = imgs.size();
        if (n == 0) {
            throw new IllegalArgumentException("image list is empty; expected at least one image");
        }
        for (int i = 0; i < n; i++) {
            if (imgs.get(i) == null) {
                throw new IllegalArgumentException("image " + i + " of " + n + " is null");
            }
        }
        long now = System.nanoTime();
        long dl = deadlineNanos(deadline, now);
        List<Request> reqs = new ArrayList<>(n);
        for (DigitImage img : imgs) {
            reqs.add(new Request(img, dl, now, new CompletableFuture<>()));
        }
        CompletableFuture<List<Prediction>> all = new CompletableFuture<>();
        Prediction[] results = new Prediction[n];
        AtomicInteger remaining = new AtomicInteger(n);
        for (int i = 0; i < n; i++) {
            int idx = i;
            reqs.get(i).future().whenComplete((p, t) -> {
                if (t != null) {
                    all.completeExceptionally(unwrap(t));
                } else {
                    results[idx] = p;
                    if (remaining.decrementAndGet() == 0) {
                        all.complete(Arrays.asList(results));
                    }
                }
            });
        }
        if (dl - now <= 0) {
            checkOpen();
            for (Request r : reqs) {
                expire(r, now);
            }
            return all;
        }
        enqueue(reqs);
        watch(reqs, all, dl, now);
        return all;
    }

    /**
     * Arranges for {@code reqs} to leave the queue unexecuted when {@code caller} (the future the
     * caller holds) is cancelled, or when the deadline passes.
     */
    private void watch(List<Request> reqs, CompletableFuture<?> caller, long dl, long now) {
        ScheduledFuture<?> timer = null;
        if (dl != NO_DEADLINE) {
            try {
                timer = deadlines.schedule(() -> expireQueued(reqs), dl - now, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException closing) {
                // closing: the worker's own deadline checks still apply
            }
        }
        ScheduledFuture<?> t = timer;
        caller.whenComplete((v, e) -> {
            if (t != null) {
                t.cancel(false);
            }
            if (caller.isCancelled()) {
                cancelQueued(reqs);
            }
        });
    }

    /** Removes those of {@code reqs} that are still queued; returns them. */
    private List<Request> unqueue(List<Request> reqs) {
        List<Request> out = new ArrayList<>(reqs.size());
        lock.lock();
        try {
            for (Request r : reqs) {
                if (r.queued) {
                    r.queued = false;
                    queue.remove(r);
                    depth.decrementAndGet();
                    out.add(r);
                }
            }
        } finally {
            lock.unlock();
        }
        return out;
    }

    private void expireQueued(List<Request> reqs) {
        long now = System.nanoTime();
        for (Request r : unqueue(reqs)) {
            expire(r, now);
        }
    }

    private void cancelQueued(List<Request> reqs) {
        for (Request r : reqs) {
            r.future().cancel(false);
        }
        for (Request r : unqueue(reqs)) {
            countCancelled();
        }
    }

    private void countCancelled() {
        cancelled.increment();
        safe(listener::onCancelled);
    }

    private static long deadlineNanos(Instant deadline, long nowNanos) {
        if (deadline == null) {
            return NO_DEADLINE;
        }
        long remaining;
        try {
            remaining = Duration.between(Instant.now(), deadline).toNanos();
        } catch (ArithmeticException overflow) {
            remaining = deadline.isBefore(Instant.now()) ? Long.MIN_VALUE / 4 : Long.MAX_VALUE / 4;
        }
        remaining = Math.max(Long.MIN_VALUE / 4, Math.min(Long.MAX_VALUE / 4, remaining));
        return nowNanos + remaining;
    }

    private void checkOpen() {
        if (closed) {
            throw new BatcherClosedException("batcher " + options.threadName() + " is closed; no new requests accepted");
        }
    }

    private void enqueue(List<Request> reqs) {
        lock.lock();
        try {
            checkOpen();
            int n = reqs.size();
            if (queue.size() + n > options.maxQueue()) {
                rejected.increment();
                safe(listener::onRejected);
                throw new QueueFullException("queue holds " + queue.size() + " of at most " + options.maxQueue()
                        + " images; cannot add " + n + " more (BatcherOptions.maxQueue)");
            }
            for (Request r : reqs) {
                r.queued = true;
            }
            queue.addAll(reqs);
            depth.addAndGet(n);
            submitted.add(n);
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    private void expire(Request r, long now) {
        expired.increment();
        safe(listener::onExpired);
        r.future().completeExceptionally(new DeadlineExceededException("deadline passed "
                + TimeUnit.NANOSECONDS.toMicros(now - r.deadlineNanos()) / 1000.0
                + " ms before the image could join a batch (queued "
                + TimeUnit.NANOSECONDS.toMicros(now - r.enqueuedNanos()) / 1000.0 + " ms); it was not executed"));
    }

    /** Drops a request taken from the queue unexecuted: cancelled or expired. */
    private void drop(Request r, long now) {
        if (r.future().isCancelled()) {
            countCancelled();
        } else {
            expire(r, now);
        }
    }

    private void runWorker() {
        List<Request> batch = new ArrayList<>(options.maxBatchSize());
        List<Request> late = new ArrayList<>();
        long maxDelay = options.maxDelay().toNanos();
        try {
            while (true) {
                batch.clear();
                late.clear();
                lock.lock();
                try {
                    while (queue.isEmpty() && !closed) {
                        notEmpty.await();
                    }
                    if (queue.isEmpty()) {
                        return; // closed and drained
                    }
                    if (abandon) {
                        return;
                    }
                    long fillBy = queue.peekFirst().enqueuedNanos() + maxDelay;
                    while (true) {
                        long now = System.nanoTime();
                        while (batch.size() < options.maxBatchSize() && !queue.isEmpty()) {
                            Request r = queue.pollFirst();
                            r.queued = false;
                            depth.decrementAndGet();
                            if (r.future().isCancelled()) {
                                late.add(r);
                            } else if (now - r.deadlineNanos() >= 0) {
                                late.add(r);
                            } else {
                                batch.add(r);
                            }
                        }
                        if (batch.size() >= options.maxBatchSize() || batch.size() >= lastBatchSize || closed) {
                            break;
                        }
                        long wait = fillBy - System.nanoTime();
                        if (wait <= 0) {
                            break;
                        }
                        notEmpty.awaitNanos(wait);
                    }
                } finally {
                    lock.unlock();
                }
                long now = System.nanoTime();
                for (Request r : late) {
                    drop(r, now);
                }
                // last check just before execution: drop what expired or was cancelled while the batch was filling
                late.clear();
                for (int i = batch.size() - 1; i >= 0; i--) {
                    Request r = batch.get(i);
                    if (r.future().isCancelled() || now - r.deadlineNanos() >= 0) {
                        late.add(batch.remove(i));
                    }
                }
                for (int i = late.size() - 1; i >= 0; i--) {
                    drop(late.get(i), now);
                }
                if (!batch.isEmpty()) {
                    lastBatchSize = batch.size();
                    execute(batch, now);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            LOG.error("batcher worker {} stopped unexpectedly", options.threadName(), t);
            failAll(batch, new InferenceException("batcher worker stopped unexpectedly: " + t, t));
        } finally {
            failQueued();
        }
    }

    private void execute(List<Request> batch, long start) {
        int n = batch.size();
        long maxWait = 0;
        List<DigitImage> imgs = new ArrayList<>(n);
        for (Request r : batch) {
            long w = start - r.enqueuedNanos();
            maxWait = Math.max(maxWait, w);
            queueWait.record(w);
            final long wf = w;
            safe(() -> listener.onQueueWait(wf));
            imgs.add(r.image());
        }
        List<Prediction> out;
        long t0 = System.nanoTime();
        try {
            out = model.apply(imgs);
            if (out == null || out.size() != n) {
                throw new InferenceException("model returned " + (out == null ? "nothing" : out.size() + " predictions")
                        + " for a batch of " + n);
            }
        } catch (RuntimeException | Error e) {
            long dt = System.nanoTime() - t0;
            compute.record(dt);
            batches.increment();
            images.add(n);
            failed.add(n);
            batchSize.record(n);
            RuntimeException err = e instanceof RuntimeException re ? re
                    : new InferenceException("batch of " + n + " failed: " + e, e);
            LOG.warn("batch of {} failed: {}", n, err.toString());
            safe(() -> listener.onBatchFailed(n, err));
            failAll(batch, err);
            if (e instanceof VirtualMachineError vme) {
                throw vme;
            }
            return;
        }
        long dt = System.nanoTime() - t0;
        compute.record(dt);
        batches.increment();
        images.add(n);
        batchSize.record(n);
        final long mw = maxWait;
        safe(() -> listener.onBatch(n, mw, dt));
        for (int i = 0; i < n; i++) {
            batch.get(i).future().complete(out.get(i));
        }
    }

    private static void failAll(List<Request> reqs, RuntimeException e) {
        for (Request r : reqs) {
            r.future().completeExceptionally(e);
        }
    }

    /** Fails everything still queued (after the worker stopped). */
    private void failQueued() {
        List<Request> left;
        lock.lock();
        try {
            left = new ArrayList<>(queue);
            for (Request r : left) {
                r.queued = false;
            }
            queue.clear();
            depth.set(0);
        } finally {
            lock.unlock();
        }
        if (!left.isEmpty()) {
            failAll(left, new BatcherClosedException("batcher " + options.threadName()
                    + " closed before this request ran; it was not executed"));
        }
    }

    private void safe(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("batcher listener threw; ignored", e);
        }
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    /**
     * Waits for {@code f} and returns its value, rethrowing its failure unwrapped (the
     * SDK's own unchecked exceptions as they are).
     */
    public <T> T await(CompletableFuture<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CancellationException("interrupted while waiting for a batched prediction");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            if (c instanceof Error err) {
                throw err;
            }
            throw new InferenceException("batched prediction failed: " + c, c);
        }
    }

    /** Returns the number of queued images. */
    public int queueDepth() {
        return depth.get();
    }

    /** Returns a snapshot of counters and histograms. */
    public BatcherStats stats() {
        return new BatcherStats(submitted.sum(), images.sum(), batches.sum(), rejected.sum(), expired.sum(),
                cancelled.sum(), failed.sum(), depth.get(), batchSize.snapshot(), queueWait.snapshot(), compute.snapshot());
    }

    /** Returns the options. */
    public BatcherOptions options() {
        return options;
    }

    /** Returns the worker thread (for tests). */
    Thread worker() {
        return worker;
    }

    /**
     * Stops accepting, lets the worker finish what is queued, joins it for at most
     * {@code timeout}; afterwards fails what is left. Idempotent.
     */
    public boolean close(Duration timeout) {
        lock.lock();
        try {
            closed = true;
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
        if (Thread.currentThread() == worker) {
            abandon = true;
            deadlines.shutdownNow();
            return false;
        }
        boolean interrupted = false;
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        while (worker.isAlive()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                worker.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            } catch (InterruptedException e) {
                interrupted = true;
                break;
            }
        }
        boolean done = !worker.isAlive();
        if (!done) {
            abandon = true;
            failQueued();
            LOG.warn("batcher {} did not finish within {}; queued requests were failed and the worker exits after"
                    + " its current batch", options.threadName(), timeout);
        }
        deadlines.shutdownNow();
        try {
            deadlines.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return done;
    }
}
