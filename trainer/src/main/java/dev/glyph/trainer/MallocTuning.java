package dev.glyph.trainer;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The glibc malloc settings the trainer applies to its own process (through {@code mallopt}, before
 * libtorch allocates), as values, so that a benchmark can give a PyTorch reference process the very
 * same settings through glibc's environment variables.
 *
 * <pre>{@code
 * ProcessBuilder pb = new ProcessBuilder("python3", "ref_train.py");
 * pb.environment().putAll(MallocTuning.environment());
 * }</pre>
 *
 * <p>Thread-safety: constants only.
 */
public final class MallocTuning {

    /** {@code M_MMAP_THRESHOLD}: glibc's 64-bit ceiling, 32 MiB, so activations stay in the heap. */
    public static final int MMAP_THRESHOLD = 32 << 20;
    /** {@code M_TRIM_THRESHOLD}: 1 GiB, so freed heap is not handed back to the kernel after every step. */
    public static final int TRIM_THRESHOLD = 1 << 30;
    /** {@code M_TOP_PAD}: 64 MiB extra per heap growth. */
    public static final int TOP_PAD = 64 << 20;

    private MallocTuning() {
    }

    /**
     * Returns the same settings as glibc environment variables ({@code MALLOC_MMAP_THRESHOLD_},
     * {@code MALLOC_TRIM_THRESHOLD_}, {@code MALLOC_TOP_PAD_}), which glibc reads at process start.
     */
    public static Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MALLOC_MMAP_THRESHOLD_", Integer.toString(MMAP_THRESHOLD));
        env.put("MALLOC_TRIM_THRESHOLD_", Integer.toString(TRIM_THRESHOLD));
        env.put("MALLOC_TOP_PAD_", Integer.toString(TOP_PAD));
        return env;
    }
}
