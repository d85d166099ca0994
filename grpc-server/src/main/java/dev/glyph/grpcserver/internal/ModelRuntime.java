package dev.glyph.grpcserver.internal;

import dev.glyph.inferencesdk.BatcherListener;
import dev.glyph.inferencesdk.BatcherOptions;
import dev.glyph.inferencesdk.BatcherStats;
import dev.glyph.inferencesdk.BatchingClassifier;
import dev.glyph.inferencesdk.DigitClassifier;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.ModelLoadException;
import dev.glyph.inferencesdk.Options;
import dev.glyph.inferencesdk.Device;
import dev.glyph.modelformat.FileDigest;
import dev.glyph.modelformat.TensorSpec;
import dev.glyph.proto.v1.BatchingSettings;
import dev.glyph.proto.v1.ModelInfo;
import dev.glyph.proto.v1.TensorSchema;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loaded, warmed-up model: the SDK classifier, one or more SDK batchers in front of it (each
 * with its own worker thread, all sharing the one thread-safe session; a request goes whole to the
 * batcher with the fewest waiting images, and each batcher holds an equal share of the queue
 * bound), and the {@code GetModelInfo} answer.
 *
 * <p>Thread-safety: thread-safe; {@link #close(Duration)} after the calls using it have finished.
 */
public final class ModelRuntime {

    private static final Logger LOG = LoggerFactory.getLogger(ModelRuntime.class);

    /**
     * The batching settings a runtime is opened with.
     *
     * @param maxBatchSize most images per model call
     * @param maxDelay longest wait for a batch to fill
     * @param maxQueue most waiting images
     * @param maxMessageBytes largest inbound message (reported only)
     * @param streamInFlight per-stream in-flight bound (reported only)
     * @param batchers independent batchers (worker threads) sharing the one model session
     * @param threadName the batcher workers' thread name prefix
     */
    public record Settings(int maxBatchSize, Duration maxDelay, int maxQueue, int maxMessageBytes, int streamInFlight,
            int batchers, String threadName) {
    }

    private final DigitClassifier classifier;
    private final List<BatchingClassifier> batchers;
    private final ModelInfo info;
    private final Settings settings;
    private final AtomicInteger next = new AtomicInteger();

    private ModelRuntime(DigitClassifier classifier, List<BatchingClassifier> batchers, ModelInfo info,
            Settings settings) {
        this.classifier = classifier;
        this.batchers = List.copyOf(batchers);
        this.info = info;
        this.settings = settings;
    }

    /**
     * Opens {@code modelDir}, runs a warm-up batch of one and of {@code maxBatchSize} blank images
     * straight through the classifier (so the batcher's statistics stay clean), then starts the
     * batcher.
     */
    public static ModelRuntime open(Path modelDir, Device device, int intraOpThreads, Settings settings,
            BatcherListener listener) throws ModelLoadException {
        return open(modelDir, null, null, device, intraOpThreads, settings, listener);
    }

    /**
     * Same as {@link #open(Path, Device, int, Settings, BatcherListener)}, reporting the model as
     * {@code name}/{@code version} (its place in the model repository) instead of the manifest's.
     */
    public static ModelRuntime open(Path modelDir, String name, String version, Device device, int intraOpThreads,
            Settings settings, BatcherListener listener) throws ModelLoadException {
        Options options = Options.defaults().device(device).intraOpThreads(intraOpThreads)
                .interOpThreads(1).maxBatchSize(Math.max(Options.DEFAULT_MAX_BATCH_SIZE, settings.maxBatchSize()));
        DigitClassifier c = DigitClassifier.open(modelDir, options);
        try {
            long t0 = System.nanoTime();
            DigitImage blank = DigitImage.ofGray8(new byte[DigitImage.PIXELS]);
            c.classify(blank);
            c.classifyBatch(Collections.nCopies(settings.maxBatchSize(), blank));
            c.classifyBatch(Collections.nCopies(settings.maxBatchSize(), blank));
            LOG.info("model {}/{} warmed up in {} ms ({} provider)", c.modelInfo().name(), c.modelInfo().version(),
                    (System.nanoTime() - t0) / 1_000_000, c.activeProvider());
            List<BatchingClassifier> bs = new ArrayList<>();
            int queueEach = Math.max(1, settings.maxQueue() / settings.batchers());  // see maxImagesPerRequest
            for (int i = 0; i < settings.batchers(); i++) {
                bs.add(BatchingClassifier.create(c, BatcherOptions.defaults()
                        .maxBatchSize(settings.maxBatchSize()).maxDelay(settings.maxDelay()).maxQueue(queueEach)
                        .listener(listener)
                        .threadName(settings.batchers() == 1 ? settings.threadName() : settings.threadName() + "-" + i)));
            }
            return new ModelRuntime(c, bs, toProto(c, settings, name, version), settings);
        } catch (RuntimeException e) {
            c.close();
            throw new ModelLoadException("model " + modelDir + " loaded but failed its warm-up batch: " + e.getMessage(), e);
        }
    }

    private static ModelInfo toProto(DigitClassifier c, Settings s, String name, String version) {
        dev.glyph.inferencesdk.ModelInfo m = c.modelInfo();
        ModelInfo.Builder b = ModelInfo.newBuilder()
                .setName(name != null ? name : m.name())
                .setVersion(version != null ? version : m.version())
                .setProvenanceJson(m.provenanceJson() == null ? "null" : m.provenanceJson())
                .setInput(schema(m.input()))
                .addAllLabels(m.labels())
                .setCreated(m.created() == null ? "" : m.created())
                .setProducer(m.producer() == null ? "" : m.producer())
                .setExecutionProvider(c.activeProvider())
                .setPrecision(m.precision())
                .setTemperature(c.temperature())
                .addAllAcceptedImageFields(List.of("gray8", "pixels", "encoded"))
                .setBatching(BatchingSettings.newBuilder()
                        .setMaxBatchSize(s.maxBatchSize())
                        .setMaxDelayUs(s.maxDelay().toNanos() / 1000)
                        .setMaxQueue(s.maxQueue())
                        .setMaxMessageBytes(s.maxMessageBytes())
                        .setMaxStreamInFlight(s.streamInFlight())
                        .setBatchers(s.batchers()));
        List<TensorSchema> outs = new ArrayList<>();
        for (TensorSpec t : m.outputs()) {
            outs.add(schema(t));
        }
        b.addAllOutputs(outs);
        FileDigest onnx = m.files().get("model.onnx");
        if (onnx != null) {
            b.setOnnxSha256(onnx.sha256());
        }
        return b.build();
    }

    private static TensorSchema schema(TensorSpec t) {
        TensorSchema.Builder b = TensorSchema.newBuilder().setName(t.name()).setDtype(t.dtype());
        for (long d : t.shape()) {
            b.addShape(d);
        }
        return b.build();
    }

    /**
     * Returns the batcher for the next request: the one with the fewest waiting images (the
     * lower-numbered one on a tie, rotating the start so that ties spread out).
     */
    public BatchingClassifier batcher() {
        int n = batchers.size();
        if (n == 1) {
            return batchers.get(0);
        }
        int start = Math.floorMod(next.getAndIncrement(), n);
        BatchingClassifier best = null;
        int bestDepth = Integer.MAX_VALUE;
        for (int k = 0; k < n; k++) {
            BatchingClassifier b = batchers.get((start + k) % n);
            int d = b.queueDepth();
            if (d < bestDepth) {
                best = b;
                bestDepth = d;
            }
        }
        return best;
    }

    /** Returns the images waiting in all batchers. */
    public int queueDepth() {
        int d = 0;
        for (BatchingClassifier b : batchers) {
            d += b.queueDepth();
        }
        return d;
    }

    /** Returns the batchers' statistics combined (counters summed, histograms merged). */
    public BatcherStats stats() {
        BatcherStats sum = null;
        for (BatchingClassifier b : batchers) {
            BatcherStats s = b.stats();
            sum = sum == null ? s : sum(sum, s);
        }
        return sum;
    }

    /** Returns two sets of statistics combined (counters summed, histograms merged). */
    public static BatcherStats sum(BatcherStats sum, BatcherStats s) {
        return new BatcherStats(sum.submitted() + s.submitted(), sum.images() + s.images(),
                sum.batches() + s.batches(), sum.rejected() + s.rejected(), sum.expired() + s.expired(),
                sum.cancelled() + s.cancelled(), sum.failed() + s.failed(), sum.queueDepth() + s.queueDepth(),
                merge(sum.batchSize(), s.batchSize()), merge(sum.queueWaitNanos(), s.queueWaitNanos()),
                merge(sum.computeNanos(), s.computeNanos()));
    }

    private static BatcherStats.Histogram merge(BatcherStats.Histogram a, BatcherStats.Histogram b) {
        long[] counts = a.counts();
        long[] other = b.counts();
        for (int i = 0; i < counts.length && i < other.length; i++) {
            counts[i] += other[i];
        }
        return new BatcherStats.Histogram(a.upperBounds(), counts, a.count() + b.count(), a.sum() + b.sum(),
                Math.max(a.max(), b.max()));
    }

    /** Returns the classifier. */
    public DigitClassifier classifier() {
        return classifier;
    }

    /** Returns the {@code GetModelInfo} answer. */
    public ModelInfo info() {
        return info;
    }

    /** Returns the most images one request may hold: one batcher's share of the queue bound. */
    public int maxImagesPerRequest() {
        return Math.max(1, settings.maxQueue() / settings.batchers());
    }

    /** Returns the settings. */
    public Settings settings() {
        return settings;
    }

    /**
     * Closes the batcher (running what is queued, waiting at most {@code timeout}) and then the
     * classifier. Idempotent.
     *
     * @return whether the batcher finished within the timeout
     */
    public boolean close(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean done = true;
        for (BatchingClassifier b : batchers) {
            done &= b.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        if (done) {
            classifier.close();
        } else {
            LOG.warn("batcher did not finish within {}; leaving the model session open for its last batch", timeout);
        }
        return done;
    }
}
