package dev.glyph.inferencesdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.glyph.testfixtures.Concurrently;
import dev.glyph.testfixtures.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BatchingClassifierTest {

    @TempDir
    static Path tmp;
    static DigitClassifier classifier;

    @BeforeAll
    static void setUp() throws Exception {
        Path dir = TestModels.folder(tmp.resolve("models/mnist/1"), 11);
        classifier = DigitClassifier.open(dir, Options.defaults().intraOpThreads(1).maxBatchSize(64));
    }

    @AfterAll
    static void tearDown() {
        classifier.close();
    }

    /** Runs every image through the batcher from {@code concurrency} threads; returns the mismatch count. */
    static int crossTalk(List<DigitImage> images, int concurrency, BatchingClassifier b) throws Exception {
        List<Prediction> expected = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i += 64) {
            expected.addAll(classifier.classifyBatch(images.subList(i, Math.min(images.size(), i + 64))));
        }
        AtomicInteger next = new AtomicInteger();
        return Concurrently.sum(concurrency, caller -> {
            int bad = 0;
            for (int i = next.getAndIncrement(); i < images.size(); i = next.getAndIncrement()) {
                Prediction p = b.classify(images.get(i));
                if (!DigitClassifierTest.close(p, expected.get(i))) {
                    bad++;
                }
            }
            return bad;
        });
    }

    @Test
    void classify_concurrentCallers_noCrossTalkAndBatchesForm() throws Exception {
        List<DigitImage> imgs = DigitImages.random(1_500, 21);
        try (BatchingClassifier b = BatchingClassifier.create(classifier,
                BatcherOptions.defaults().maxBatchSize(32).maxDelay(Duration.ofMillis(2)))) {
            assertEquals(0, crossTalk(imgs, 16, b));
            BatcherStats s = b.stats();
            assertEquals(1_500, s.images());
            assertTrue(s.meanBatchSize() > 1.0, "mean batch size " + s.meanBatchSize());
            assertEquals(0, s.expired());
            assertEquals(0, s.failed());
        }
    }

    @Test
    void classify_10kMnistTestImagesAtConcurrency16_zeroMismatches() throws Exception {
        Path dir = MnistTestData.dir();
        MnistTestData.Set set = MnistTestData.loadTest(dir);
        List<DigitImage> imgs = new ArrayList<>(set.count());
        for (int i = 0; i < set.count(); i++) {
            imgs.add(set.image(i));
        }
        try (BatchingClassifier b = BatchingClassifier.create(classifier,
                BatcherOptions.defaults().maxBatchSize(64).maxDelay(Duration.ofMillis(2)))) {
            assertEquals(0, crossTalk(imgs, 16, b));
            BatcherStats s = b.stats();
            assertEquals(set.count(), s.images());
            assertTrue(s.meanBatchSize() > 1.0, "mean batch size " + s.meanBatchSize());
        }
    }

    @Test
    void submitAll_request_predictionsInOrderMatchDirect() throws Exception {
        List<DigitImage> imgs = DigitImages.random(50, 22);
        List<Prediction> direct = classifier.classifyBatch(imgs);
        try (BatchingClassifier b = BatchingClassifier.create(classifier, BatcherOptions.defaults().maxBatchSize(16))) {
            List<Prediction> ps = b.submitAll(imgs, Instant.now().plusSeconds(60)).get(60, TimeUnit.SECONDS);
            for (int i = 0; i < imgs.size(); i++) {
                assertTrue(DigitClassifierTest.close(direct.get(i), ps.get(i)), "image " + i);
            }
            assertTrue(b.stats().batches() >= 4);
        }
    }

    @Test
    void listener_receivesBatchesAndQueueWaits() throws Exception {
        AtomicLong images = new AtomicLong();
        AtomicLong waits = new AtomicLong();
        BatcherListener l = new BatcherListener() {
            @Override
            public void onBatch(int size, long maxQueueWaitNanos, long computeNanos) {
                images.addAndGet(size);
            }

            @Override
            public void onQueueWait(long queueWaitNanos) {
                waits.incrementAndGet();
            }
        };
        try (BatchingClassifier b = BatchingClassifier.create(classifier, BatcherOptions.defaults().listener(l))) {
            b.submitAll(DigitImages.random(10, 23), null).join();
            b.close();
            assertEquals(10, images.get());
            assertEquals(10, waits.get());
            assertEquals(0, b.queueDepth());
        }
    }

    @Test
    void create_batchLargerThanClassifierLimit_throws() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BatchingClassifier.create(classifier, BatcherOptions.defaults().maxBatchSize(65)));
        assertTrue(e.getMessage().contains("at most 64"), e.getMessage());
    }

    @Test
    void close_thenSubmit_throwsClosedAndWorkerGone() throws Exception {
        BatchingClassifier b = BatchingClassifier.create(classifier,
                BatcherOptions.defaults().threadName("t-batching-close"));
        b.classify(DigitImages.random(1, 24).get(0));
        b.close();
        b.close();
        assertThrows(BatcherClosedException.class, () -> b.submit(DigitImages.random(1, 25).get(0), null));
        assertFalse(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("t-batching-close")));
        assertFalse(classifier.isClosed(), "closing the batcher leaves the classifier open");
    }
}
