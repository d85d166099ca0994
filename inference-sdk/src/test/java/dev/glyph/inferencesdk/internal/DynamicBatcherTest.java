package dev.glyph.inferencesdk.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Batcher behaviour against a fake model whose prediction label encodes the image (pixel 0 * 255
 * mod 10, plus its whole value in the probabilities), and which can be held at a gate.
 */
class DynamicBatcherTest {

    /** A controllable fake model. */
    static final class FakeModel {
        final List<Integer> batchSizes = Collections.synchronizedList(new ArrayList<>());
        final List<Float> seen = Collections.synchronizedList(new ArrayList<>());
        volatile CountDownLatch gate = new CountDownLatch(0);
        final Semaphore entered = new Semaphore(0);
        volatile RuntimeException failWith;

        List<Prediction> apply(List<DigitImage> imgs) {
            entered.release();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            batchSizes.add(imgs.size());
            for (DigitImage i : imgs) {
                seen.add(i.pixel(0, 0));
            }
            if (failWith != null) {
                throw failWith;
            }
            List<Prediction> out = new ArrayList<>();
            for (DigitImage i : imgs) {
                out.add(predictionFor(i));
            }
            return out;
        }

        void hold() {
            gate = new CountDownLatch(1);
        }

        void release() {
            gate.countDown();
        }
    }

    static Prediction predictionFor(DigitImage img) {
        float v = img.pixel(0, 0);
        float[] p = new float[10];
        int label = Math.round(v * 1000) % 10;
        p[label] = 1f;
        p[(label + 1) % 10] = v; // carries the exact identity of the image (not normalised; fine for a fake)
        return new Prediction(label, 1f, p);
    }

    static DigitImage image(int id) {
        float[] px = new float[784];
        px[0] = id / 10_000f;
        return DigitImage.ofPixels(px);
    }

    private final List<DynamicBatcher> open = new ArrayList<>();
    private final FakeModel model = new FakeModel();

    private DynamicBatcher batcher(BatcherOptions o) {
        DynamicBatcher b = new DynamicBatcher(model::apply, o);
        open.add(b);
        return b;
    }

    @AfterEach
    void closeAll() {
        model.release();
        for (DynamicBatcher b : open) {
            b.close(Duration.ofSeconds(10));
            assertFalse(b.worker().isAlive(), "worker thread left behind");
        }
    }

    private static Throwable failure(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        return e.getCause();
    }

    /** Polls {@code cond} for at most a minute (no timing is asserted; it bounds a hang). */
    private static void await(java.util.function.BooleanSupplier cond, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("never happened: " + what);
            }
            Thread.sleep(2);
        }
    }

    /** Holds the model and submits one image, so the worker is busy inside a batch; returns its future. */
    private CompletableFuture<Prediction> occupyWorker(DynamicBatcher b) throws InterruptedException {
        model.hold();
        CompletableFuture<Prediction> running = b.submit(image(1), null);
        assertTrue(model.entered.tryAcquire(30, TimeUnit.SECONDS), "worker never started the first batch");
        return running;
    }

    @Test
    void cancel_queuedFutures_leaveQueueAtOnceAndAreNeverExecuted() throws Exception {
        DynamicBatcher b = batcher(BatcherOptions.defaults().maxBatchSize(1).maxQueue(8).threadName("t-cancel"));
        CompletableFuture<Prediction> running = occupyWorker(b);
        CompletableFuture<Prediction> one = b.submit(image(2), null);
        CompletableFuture<List<Prediction>> many = b.submitAll(List.of(image(3), image(4), image(5)), null);
        CompletableFuture<Prediction> kept = b.submit(image(6), null);
        assertEquals(5, b.queueDepth());
        assertThrows(QueueFullException.class, () -> b.submitAll(List.of(image(7), image(8), image(9), image(10)), null));
        one.cancel(false);
        many.cancel(false);
        assertEquals(1, b.queueDepth(), "cancelled images must leave the queue at once, with the worker busy");
        b.submitAll(List.of(image(11), image(12), image(13), image(14)), null); // the room is usable again
        model.release();
        assertEquals(predictionFor(image(6)), kept.get(30, TimeUnit.SECONDS));
        running.get(30, TimeUnit.SECONDS);
        await(() -> b.stats().images() == 6, "6 images executed");
        BatcherStats s = b.stats();
        assertEquals(4, s.cancelled());
        assertEquals(0, s.expired());
        assertFalse(model.seen.contains(image(2).pixel(0, 0)), "a cancelled image was executed");
        assertFalse(model.seen.contains(image(4).pixel(0, 0)), "a cancelled image was executed");
    }

    @Test
    void submit_deadlinePassesWhileWorkerBusy_removedAtDeadlineCountedExpired() throws Exception {
        DynamicBatcher b = batcher(BatcherOptions.defaults().maxBatchSize(1).maxQueue(8).threadName("t-expire"));
        CompletableFuture<Prediction> running = occupyWorker(b);
        CompletableFuture<List<Prediction>> late = b.submitAll(List.of(image(2), image(3)), Instant.now().plusMillis(50));
        CompletableFuture<Prediction> lateOne = b.submit(image(4), Instant.now().plusMillis(50));
        assertInstanceOf(DeadlineExceededException.class, failure(late));
        assertInstanceOf(DeadlineExceededException.class, failure(lateOne));
        assertEquals(0, b.queueDepth(), "expired images must leave the queue at their deadline, with the worker busy");
        assertEquals(3, b.stats().expired());
        model.release();
        running.get(30, TimeUnit.SECONDS);
        BatcherStats s = b.stats();
        assertEquals(1, s.images(), "only the first image ran");
        assertEquals(0, s.cancelled());
        assertEquals(3, s.expired());
    }

    @Test
    void submit_concurrentCallers_eachGetsOwnResultAndBatchesForm() throws Exception {
        DynamicBatcher b = batcher(BatcherOptions.defaults().maxBatchSize(16).maxDelay(Duration.ofMillis(5))
                .threadName("t-crosstalk"));
        int callers = 8;
        int perCaller = 300;
        AtomicInteger mismatches = new AtomicInteger();
        List<Thread> ts = new ArrayList<>();
        for (int c = 0; c < callers; c++) {
            int cc = c;
            Thread t = new Thread(() -> {
                for (int k = 0; k < perCaller; k++) {
                    DigitImage img = image(cc * perCaller + k + 1);
                    Prediction p = b.await(b.submit(img, null));
                    if (!p.equals(predictionFor(img))) {
                        mismatches.incrementAndGet();
                    }
                }
            });
            t.start();
            ts.add(t);
        }
        for (Thread t : ts) {
            t.join();
        }
        assertEquals(0, mismatches.get());
        BatcherStats s = b.stats();
        assertEquals(callers * perCaller, s.images());
        assertEquals(callers * perCaller, s.submitted());
        assertTrue(s.meanBatchSize() > 1.0, "mean batch size " + s.meanBatchSize());
        assertTrue(model.batchSizes.stream().allMatch(n -> n <= 16));
        assertEquals(s.batches(), s.batchSize().count());
        assertEquals(s.images(), s.queueWaitNanos().count());
        assertEquals(s.batches(), s.computeNanos().count());
    }

    @Test
    void submit_batchAsLargeAsPrevious_dispatchedWithoutWaitingForMaxDelay() throws Exception {
        DynamicBatcher b = batcher(BatcherOptions.defaults().maxBatchSize(64).maxDelay(Duration.ofHours(1)));
        // the first batch may not wait (nothing before it); the next ones match the previous size
        assertEquals(predictionFor(image(1)), b.submit(image(1), null).get(30, TimeUnit.SECONDS));
        assertEquals(predictionFor(image(2)), b.submit(image(2), null).get(30, TimeUnit.SECONDS));
        List<Prediction> ps = b.submitAll(List.of(image(3), image(4), image(5)), null).get(30, TimeUnit.SECONDS);
        assertEquals(predictionFor(image(5)), ps.get(2));
        assertEquals(3, b.stats().batches());
    }

    @Test
    void submit_queueFull_rejectsAtOnceAndCounts() throws Exception {
        DropCounter drops = new DropCounter();
        DynamicBatcher b = batcher(BatcherOptions.defaults().maxBatchSize(1).maxQueue(2).maxDelay(Duration.ZERO)
                .listener(drops));
        model.hold();
        CompletableFuture<Prediction> first = b.submit(image(1), null);
        assertTrue(model.entered.tryAcquire(30, TimeUnit.SECONDS), "worker took the first image");
        CompletableFuture<Prediction> second = b.submit(image(2), null);
        CompletableFuture<Prediction> third = b.submit(image(3), null);
        assertEquals(2, b.queueDepth());
        QueueFullException e = assertThrows(QueueFullException.class, () -> b.submit(image(4), null));
        assertTrue(e.getMessage().contains("at most 2"), e.getMessage());
        assertThrows(QueueFullException.class, () -> b.submitAll(List.of(image(5)), null));
        assertEquals(2, b.stats().rejected());
        assertEquals(2, drops.rejected.get());
        model.release();
        assertEquals(predictionFor(image(1)), first.get(30, TimeUnit.SECONDS));
        assertEquals(predictionFor(image(2)), second.get(30, TimeUnit.SECONDS));
        assertEquals(predictionFor(image(3)), third.get(30, TimeUnit.SECONDS));
        assertFalse(model.seen.contains(image(4).pixel(0, 0)), "a rejected image never runs");
    }

    @Test
    void submit_deadlinePassesWhileQueued_droppedNeverExecutedAndCounted() throws Exception {
        DropCounter drops = new DropCounter();
        DynamicBatcher b = batcher(BatcherOptions.defaults().maxBatchSize(1).maxDelay(Duration.ZERO)
                .listener(drops));
        model.hold();
        CompletableFuture<Prediction> blocker = b.submit(image(1), null);
        assertTrue(model.entered.tryAcquire(30, TimeUnit.SECONDS));
        Instant deadline = Instant.now().plusMillis(50);
        CompletableFuture<Prediction> late = b.submit(image(2), deadline);
        CompletableFuture<Prediction> onTime = b.submit(image(3), null);
        while (!Instant.now().isAfter(deadline.plusMillis(20))) {
            Thread.sleep(10);
        }
        model.release();
        blocker.get(30, TimeUnit.SECONDS);
        onTime.get(30, TimeUnit.SECONDS);
        Throwable t = failure(late);
        assertInstanceOf(DeadlineExceededException.class, t);
        assertTrue(t.getMessage().contains("not executed"), t.getMessage());
        assertFalse(model.seen.contains(image(2).pixel(0, 0)), "expired image was executed");
        assertEquals(1, b.stats().expired());
        assertEquals(1, drops.expired.get());
        assertEquals(2, b.stats().images());
    }

    @Test
    void submit_deadlineAlreadyPassed_failsImmediatelyWithZeroExecutions() throws Exception {
        DynamicBatcher b = batcher(BatcherOptions.defaults());
        CompletableFuture<Prediction> f = b.submit(image(7), Instant.now().minusSeconds(1));
        assertInstanceOf(DeadlineExceededException.class, failure(f));
        CompletableFuture<List<Prediction>> all = b.submitAll(List.of(image(8), image(9)), Instant.now().minusMillis(1));
        assertInstanceOf(DeadlineExceededException.class, failure(all));
        assertEquals(3, b.stats().expired());
        assertEquals(0, b.stats().submitted());
        assertTrue(model.seen.isEmpty());
        assertEquals(0, b.stats().batches());
    }

    @Test
    void submitAll_moreThanOneBatch_resultsInInputOrder() throws Exception {
        DynamicBatcher b = batcher(BatcherOptions.defaults().maxBatchSize(4).maxDelay(Duration.ZERO));
        List<DigitImage> imgs = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            imgs.add(image(100 + i));
        }
        List<Prediction> ps = b.submitAll(imgs, Instant.now().plusSeconds(60)).get(30, TimeUnit.SECONDS);
        assertEquals(11, ps.size());
        for (int i = 0; i < 11; i++) {
            assertEquals(predictionFor(imgs.get(i)), ps.get(i));
        }
        assertTrue(b.stats().batches() >= 3, "split into at least 3 batches of <= 4");
        assertTrue(model.batchSizes.stream().allMatch(n -> n <= 4));
    }

    @Test
    void submitAll_badLists_throwIllegalArgumentNamingIndex() {
        DynamicBatcher b = batcher(BatcherOptions.defaults());
        assertThrows(IllegalArgumentException.class, () -> b.submitAll(null, null));
        assertThrows(IllegalArgumentException.class, () -> b.submitAll(List.of(), null));
        List<DigitImage> l = new ArrayList<>(List.of(image(1), image(2)));
        l.add(null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.submitAll(l, null));
        assertTrue(e.getMessage().contains("image 2 of 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.submit(null, null));
    }

    @Test
    void execute_modelThrows_failsThatBatchAndKeepsServing() throws Exception {
        List<Integer> failedSizes = Collections.synchronizedList(new ArrayList<>());
        DynamicBatcher b = batcher(BatcherOptions.defaults().maxBatchSize(1).maxDelay(Duration.ZERO)
                .listener(new BatcherListener() {
                    @Override
                    public void onBatchFailed(int size, RuntimeException error) {
                        failedSizes.add(size);
                    }
                }));
        InferenceException boom = new InferenceException("engine exploded");
        model.failWith = boom;
        assertSame(boom, failure(b.submit(image(1), null)));
        assertThrows(InferenceException.class, () -> b.await(b.submit(image(2), null)));
        model.failWith = null;
        assertEquals(predictionFor(image(3)), b.submit(image(3), null).get(30, TimeUnit.SECONDS));
        assertEquals(2, b.stats().failed());
        assertEquals(List.of(1, 1), failedSizes);
    }

    @Test
    void close_withQueuedWork_finishesItThenRejectsNewWork() throws Exception {
        DynamicBatcher b = batcher(BatcherOptions.defaults().maxBatchSize(2).maxDelay(Duration.ZERO)
                .threadName("t-close-drain"));
        model.hold();
        List<CompletableFuture<Prediction>> fs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            fs.add(b.submit(image(i + 1), null));
        }
        assertTrue(model.entered.tryAcquire(30, TimeUnit.SECONDS));
        CountDownLatch closing = new CountDownLatch(1);
        Thread closer = new Thread(() -> {
            closing.countDown();
            b.close(Duration.ofSeconds(30));
        });
        closer.start();
        closing.await();
        while (closer.getState() != Thread.State.TIMED_WAITING && closer.isAlive()) {
            Thread.onSpinWait();
        }
        assertThrows(BatcherClosedException.class, () -> b.submit(image(99), null));
        model.release();
        closer.join();
        for (int i = 0; i < 6; i++) {
            assertEquals(predictionFor(image(i + 1)), fs.get(i).get(30, TimeUnit.SECONDS));
        }
        assertFalse(b.worker().isAlive());
        assertTrue(b.close(Duration.ofSeconds(1)), "second close is a no-op that reports success");
        assertThrows(BatcherClosedException.class, () -> b.submitAll(List.of(image(1)), null));
    }

    @Test
    void close_timeoutWhileModelStuck_failsQueuedWithClosedException() throws Exception {
        DynamicBatcher b = batcher(BatcherOptions.defaults().maxBatchSize(1).maxDelay(Duration.ZERO)
                .threadName("t-close-timeout"));
        model.hold();
        CompletableFuture<Prediction> running = b.submit(image(1), null);
        assertTrue(model.entered.tryAcquire(30, TimeUnit.SECONDS));
        CompletableFuture<Prediction> queued = b.submit(image(2), null);
        assertFalse(b.close(Duration.ofMillis(50)), "worker still busy");
        Throwable t = failure(queued);
        assertInstanceOf(BatcherClosedException.class, t);
        assertTrue(t.getMessage().contains("not executed"), t.getMessage());
        model.release();
        assertEquals(predictionFor(image(1)), running.get(30, TimeUnit.SECONDS));
        assertTrue(b.close(Duration.ofSeconds(30)));
        assertFalse(b.worker().isAlive());
        assertFalse(model.seen.contains(image(2).pixel(0, 0)));
    }

    @Test
    void close_noThreadsLeftBehind() throws Exception {
        String name = "t-leak-check";
        for (int i = 0; i < 3; i++) {
            DynamicBatcher b = new DynamicBatcher(model::apply, BatcherOptions.defaults().threadName(name));
            b.await(b.submit(image(i + 1), null));
            assertTrue(b.close(Duration.ofSeconds(30)));
        }
        long alive = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals(name)).count();
        assertEquals(0, alive);
    }

    @Test
    void listener_throwing_isIgnored() throws Exception {
        DynamicBatcher b = batcher(BatcherOptions.defaults().listener(new BatcherListener() {
            @Override
            public void onBatch(int size, long maxQueueWaitNanos, long computeNanos) {
                throw new IllegalStateException("listener bug");
            }
        }));
        assertEquals(predictionFor(image(5)), b.submit(image(5), null).get(30, TimeUnit.SECONDS));
        assertEquals(predictionFor(image(6)), b.submit(image(6), null).get(30, TimeUnit.SECONDS));
    }

    @Test
    void histogram_snapshot_bucketsAndQuantiles() {
        FixedHistogram h = FixedHistogram.powersOfTwo(64);
        for (int v : new int[] {1, 2, 3, 64, 100}) {
            h.record(v);
        }
        BatcherStats.Histogram s = h.snapshot();
        assertEquals(5, s.count());
        assertEquals(170, s.sum());
        assertEquals(100, s.max());
        assertEquals(Long.MAX_VALUE, s.upperBounds()[s.upperBounds().length - 1]);
        assertEquals(1, s.counts()[0]); // <= 1
        assertEquals(1, s.counts()[1]); // <= 2
        assertEquals(1, s.counts()[2]); // <= 4
        assertEquals(1, s.counts()[s.counts().length - 1]); // overflow
        assertEquals(4, s.quantileUpperBound(0.5));
        assertEquals(100, s.quantileUpperBound(1.0));
    }

    /** Counts the listener's events for images that never run: rejected (queue full) and expired (deadline). */
    private static final class DropCounter implements BatcherListener {
        final AtomicInteger rejected = new AtomicInteger();
        final AtomicInteger expired = new AtomicInteger();

        @Override
        public void onRejected() {
            rejected.incrementAndGet();
        }

        @Override
        public void onExpired() {
            expired.incrementAndGet();
        }
    }
}
