package dev.glyph.inferencesdk;

/**
 * How {@link DigitClassifier#open(java.nio.file.Path, Options)} sets up its ONNX Runtime session.
 * A value: every "setter" returns a modified copy.
 *
 * <pre>{@code
 * Options o = Options.defaults().device(Device.cpu()).intraOpThreads(2).maxBatchSize(256);
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * @param device where to run; {@link Device#cpu()} by default
 * @param intraOpThreads ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose (default 0)
 * @param interOpThreads ONNX Runtime inter-op threads; 0 lets ONNX Runtime choose (default 0)
 * @param allowCpuFallback when a CUDA device is asked for but unavailable: {@code true} logs a
 *     warning and runs on the CPU, {@code false} (default) fails the load
 * @param maxBatchSize the largest batch {@link DigitClassifier#classifyBatch} accepts (default 1024)
 * @param verifyHashes whether to check {@code model.onnx} against the manifest's SHA-256 and size
 *     before loading (default {@code true}; turn off only for trusted folders when start-up time matters)
 * @param applyTemperature whether probabilities and confidence use the manifest's temperature scaling,
 *     {@code softmax(log_probs / T)} (default {@code true}); {@code false} gives the plain softmax of the model's
 *     output whatever the manifest says. Labels and log-probabilities are the same either way.
 */
public record Options(Device device, int intraOpThreads, int interOpThreads, boolean allowCpuFallback,
        int maxBatchSize, boolean verifyHashes, boolean applyTemperature) {

    /** The default largest batch. */
    public static final int DEFAULT_MAX_BATCH_SIZE = 1024;
    /** The largest allowed {@link #maxBatchSize()} (one input buffer stays below 256 MB). */
    public static final int MAX_BATCH_SIZE_LIMIT = 65_536;

    /** Validates the fields. */
    public Options {
        if (device == null) {
            throw new IllegalArgumentException("device is null; expected Device.cpu() or Device.cuda(n)");
        }
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intraOpThreads is " + intraOpThreads + "; expected >= 0 (0 = ONNX Runtime default)");
        }
        if (interOpThreads < 0) {
            throw new IllegalArgumentException("interOpThreads is " + interOpThreads + "; expected >= 0 (0 = ONNX Runtime default)");
        }
        if (maxBatchSize < 1 || maxBatchSize > MAX_BATCH_SIZE_LIMIT) {
            throw new IllegalArgumentException("maxBatchSize is " + maxBatchSize + "; expected 1.." + MAX_BATCH_SIZE_LIMIT);
        }
    }

    /** Creates options that apply the manifest's temperature (the members Options had before temperatures). */
    public Options(Device device, int intraOpThreads, int interOpThreads, boolean allowCpuFallback, int maxBatchSize,
            boolean verifyHashes) {
        this(device, intraOpThreads, interOpThreads, allowCpuFallback, maxBatchSize, verifyHashes, true);
    }

    /**
     * Returns CPU, ONNX Runtime's thread defaults, no CPU fallback, max batch 1024, hashes verified, the
     * manifest's temperature applied.
     */
    public static Options defaults() {
        return new Options(Device.cpu(), 0, 0, false, DEFAULT_MAX_BATCH_SIZE, true, true);
    }

    /** Returns a copy running on {@code device}. */
    public Options device(Device device) {
        return new Options(device, intraOpThreads, interOpThreads, allowCpuFallback, maxBatchSize, verifyHashes,
                applyTemperature);
    }

    /** Returns a copy with {@code n} intra-op threads (0 = ONNX Runtime default). */
    public Options intraOpThreads(int n) {
        return new Options(device, n, interOpThreads, allowCpuFallback, maxBatchSize, verifyHashes, applyTemperature);
    }

    /** Returns a copy with {@code n} inter-op threads (0 = ONNX Runtime default). */
    public Options interOpThreads(int n) {
        return new Options(device, intraOpThreads, n, allowCpuFallback, maxBatchSize, verifyHashes, applyTemperature);
    }

    /** Returns a copy that falls back to the CPU (with a WARN log) when CUDA is unavailable. */
    public Options allowCpuFallback(boolean allow) {
        return new Options(device, intraOpThreads, interOpThreads, allow, maxBatchSize, verifyHashes, applyTemperature);
    }

    /** Returns a copy accepting batches of at most {@code n} images. */
    public Options maxBatchSize(int n) {
        return new Options(device, intraOpThreads, interOpThreads, allowCpuFallback, n, verifyHashes, applyTemperature);
    }

    /**
     * Returns a copy that does or does not apply the manifest's temperature to probabilities ({@code false}: the
     * raw softmax of {@code log_probs}).
     */
    public Options applyTemperature(boolean apply) {
        return new Options(device, intraOpThreads, interOpThreads, allowCpuFallback, maxBatchSize, verifyHashes, apply);
    }

    /** Returns a copy that does or does not verify file hashes at load time. */
    public Options verifyHashes(boolean verify) {
        return new Options(device, intraOpThreads, interOpThreads, allowCpuFallback, maxBatchSize, verify, applyTemperature);
    }
}
