package dev.glyph.inferencesdk.internal;

import dev.glyph.inferencesdk.BatcherOptions;
import dev.glyph.inferencesdk.BatcherStats;
import dev.glyph.inferencesdk.DigitImage;
import dev.glyph.inferencesdk.Prediction;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** The queue and worker behind {@link dev.glyph.inferencesdk.BatchingClassifier}. */
public final class DynamicBatcher {
    private final BatcherOptions options;

    /** Starts the worker. */
    public DynamicBatcher(Function<List<DigitImage>, List<Prediction>> model, BatcherOptions options) {
        this.options = options;
    }

    public CompletableFuture<Prediction> submit(DigitImage image, Instant deadline) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public CompletableFuture<List<Prediction>> submitAll(List<DigitImage> images, Instant deadline) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public <T> T await(CompletableFuture<T> f) {
        return f.join();
    }

    public int queueDepth() {
        return 0;
    }

    public BatcherStats stats() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public BatcherOptions options() {
        return options;
    }

    public boolean close(Duration timeout) {
        return true;
    }
}
