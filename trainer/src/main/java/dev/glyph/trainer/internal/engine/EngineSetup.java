package dev.glyph.trainer.internal.engine;

import ai.djl.Device;
import com.sun.jna.Library;
import com.sun.jna.Native;
import dev.glyph.trainer.MallocTuning;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Process-wide settings that must be in place before DJL loads libtorch.
 *
 * <p>Thread-safety: idempotent and safe to call from any thread.
 */
public final class EngineSetup {

    private static final Logger LOG = LoggerFactory.getLogger(EngineSetup.class);
    private static final int M_TRIM_THRESHOLD = -1;
    private static final int M_TOP_PAD = -2;
    private static final int M_MMAP_THRESHOLD = -3;
    private static volatile boolean done;

    private EngineSetup() {
    }

    /**
     * Makes DJL fail fast instead of downloading a missing native library, keeps libtorch's inter-op
     * pool at one thread, and tunes glibc malloc for libtorch's allocation pattern.
     *
     * <p>The malloc tuning is the largest single speed-up of CPU training measured here (about 3x):
     * libtorch's CPU allocator frees every activation and gradient after each step, and glibc serves
     * blocks above its mmap threshold with fresh mmap/munmap, so every step page-faults tens of
     * megabytes back in. Raising the mmap and trim thresholds keeps those pages in the heap. It is
     * the in-process equivalent of {@code GLIBC_TUNABLES=glibc.malloc.mmap_threshold=...}; on
     * non-glibc platforms it is skipped. The values are {@link MallocTuning}'s.
     */
    public static synchronized void prepare() {
        if (done) {
            return;
        }
        done = true;
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
        setIfAbsent("ai.djl.default_engine", "PyTorch");
        if (!Boolean.getBoolean("glyph.malloc.default")) {
            tuneMalloc();
        }
    }

    /**
     * Applies a training's process-wide libtorch settings: the intra-op thread count (when
     * {@code threads > 0}), cuDNN benchmark mode off, and on a GPU cuDNN's deterministic flag on (as
     * the reference's {@code torch.backends.cudnn.deterministic = True}).
     *
     * @return libtorch's intra-op thread count
     */
    public static int configure(int threads, Device device) {
        if (threads > 0) {
            Torch.setNumThreads(threads);
        }
        Torch.disableCudnnBenchmark(); // deterministic algorithm choice on cuDNN
        if (device.isGpu() && !LibTorchFlags.setDeterministicCudnn(true)) {
            LOG.warn("cannot set cuDNN's deterministic flag (libtorch's at::Context symbols are not reachable); "
                    + "GPU reruns with the same seed may differ in the last bits");
        }
        return Torch.numThreads();
    }

    private interface LibC extends Library {
        int mallopt(int param, int value);
    }

    private static void tuneMalloc() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return;
        }
        try {
            LibC c = Native.load("c", LibC.class);
            boolean ok = c.mallopt(M_MMAP_THRESHOLD, MallocTuning.MMAP_THRESHOLD) == 1
                    & c.mallopt(M_TRIM_THRESHOLD, MallocTuning.TRIM_THRESHOLD) == 1
                    & c.mallopt(M_TOP_PAD, MallocTuning.TOP_PAD) == 1;
            LOG.debug("glibc malloc tuned for libtorch: {}", ok);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            LOG.debug("malloc tuning skipped: {}", e.toString());
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
