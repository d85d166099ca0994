package dev.glyph.trainer.internal.engine;

import com.sun.jna.Function;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * libtorch's global {@code at::Context} flags that DJL's JNI does not expose, reached through
 * libtorch's own exported C++ symbols with JNA: {@code at::globalContext()},
 * {@code Context::setDeterministicCuDNN(bool)} (the switch behind
 * {@code torch.backends.cudnn.deterministic = True}) and {@code Context::setDeterministicAlgorithms(bool, bool)}
 * (behind {@code torch.use_deterministic_algorithms(mode, warn_only=...)}).
 *
 * <p>DJL 0.36.0's {@code libdjl_torch.so} (CPU and cu128 builds) imports only
 * {@code Context::setBenchmarkCuDNN} ({@link Torch#disableCudnnBenchmark}); it has no native for
 * {@code setDeterministicCuDNN} or {@code setDeterministicAlgorithms}. The mangled names below are
 * those of libtorch 2.7.1 (Itanium C++ ABI, Linux; {@code nm -D libtorch_cpu.so} lists them, in the CPU
 * build too); on another platform or libtorch build where they are missing, the setters return false
 * and the caller says so.
 *
 * <p>Thread-safety: the flags are process-wide; set them before training starts.
 */
public final class LibTorchFlags {

    private static final String GLOBAL_CONTEXT = "_ZN2at13globalContextEv";
    private static final String SET_DETERMINISTIC_CUDNN = "_ZN2at7Context21setDeterministicCuDNNEb";
    private static final String DETERMINISTIC_CUDNN = "_ZNK2at7Context18deterministicCuDNNEv";
    private static final String BENCHMARK_CUDNN = "_ZNK2at7Context14benchmarkCuDNNEv";
    private static final String SET_DETERMINISTIC_ALGORITHMS = "_ZN2at7Context26setDeterministicAlgorithmsEbb";
    private static final String DETERMINISTIC_ALGORITHMS = "_ZNK2at7Context23deterministicAlgorithmsEv";
    private static final String DETERMINISTIC_ALGORITHMS_WARN_ONLY = "_ZNK2at7Context31deterministicAlgorithmsWarnOnlyEv";

    private LibTorchFlags() {
    }

    /**
     * Sets cuDNN's deterministic flag (deterministic convolution algorithms) and reads it back.
     *
     * @return whether the flag now has the requested value; false when libtorch's symbols are not
     *     reachable (libtorch not loaded yet, not Linux, or another libtorch build)
     */
    public static boolean setDeterministicCudnn(boolean on) {
        Optional<NativeLibrary> lib = libtorch();
        if (lib.isEmpty()) {
            return false;
        }
        try {
            Pointer ctx = lib.get().getFunction(GLOBAL_CONTEXT).invokePointer(new Object[0]);
            lib.get().getFunction(SET_DETERMINISTIC_CUDNN).invokeVoid(new Object[] {ctx, on ? 1 : 0});
            return readFlag(lib.get(), ctx, DETERMINISTIC_CUDNN) == on;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return false;
        }
    }

    /**
     * Sets libtorch's deterministic-algorithms mode ({@code at::globalContext().setDeterministicAlgorithms(on,
     * warnOnly)}) and reads both flags back. With it on, ops that have a deterministic CUDA variant use it
     * (for example {@code scatter_add_}, {@code index_add_} and {@code gather}'s backward, which otherwise
     * accumulate with atomic adds), and ops that have none throw, or with {@code warnOnly} warn. It also makes
     * libtorch check {@code CUBLAS_WORKSPACE_CONFIG} before cuBLAS calls.
     *
     * @return whether both flags now have the requested values; false when libtorch's symbols are not reachable
     */
    public static boolean setDeterministicAlgorithms(boolean on, boolean warnOnly) {
        Optional<NativeLibrary> lib = libtorch();
        if (lib.isEmpty()) {
            return false;
        }
        try {
            Pointer ctx = lib.get().getFunction(GLOBAL_CONTEXT).invokePointer(new Object[0]);
            lib.get().getFunction(SET_DETERMINISTIC_ALGORITHMS).invokeVoid(new Object[] {ctx, on ? 1 : 0, warnOnly ? 1 : 0});
            return readFlag(lib.get(), ctx, DETERMINISTIC_ALGORITHMS) == on
                    && readFlag(lib.get(), ctx, DETERMINISTIC_ALGORITHMS_WARN_ONLY) == warnOnly;
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return false;
        }
    }

    /** libtorch's deterministic-algorithms flag, or empty when its symbols are not reachable. */
    public static Optional<Boolean> deterministicAlgorithms() {
        return flag(DETERMINISTIC_ALGORITHMS);
    }

    /** libtorch's deterministic-algorithms warn-only flag, or empty when its symbols are not reachable. */
    public static Optional<Boolean> deterministicAlgorithmsWarnOnly() {
        return flag(DETERMINISTIC_ALGORITHMS_WARN_ONLY);
    }

    /** cuDNN's deterministic flag, or empty when libtorch's symbols are not reachable. */
    public static Optional<Boolean> deterministicCudnn() {
        return flag(DETERMINISTIC_CUDNN);
    }

    /** cuDNN's benchmark flag, or empty when libtorch's symbols are not reachable. */
    public static Optional<Boolean> benchmarkCudnn() {
        return flag(BENCHMARK_CUDNN);
    }

    private static Optional<Boolean> flag(String getter) {
        Optional<NativeLibrary> lib = libtorch();
        if (lib.isEmpty()) {
            return Optional.empty();
        }
        try {
            Pointer ctx = lib.get().getFunction(GLOBAL_CONTEXT).invokePointer(new Object[0]);
            return Optional.of(readFlag(lib.get(), ctx, getter));
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static boolean readFlag(NativeLibrary lib, Pointer ctx, String getter) {
        Function f = lib.getFunction(getter);
        return (f.invokeInt(new Object[] {ctx}) & 0xff) != 0; // a C++ bool comes back in the low byte
    }

    /** The libtorch_cpu.so that DJL loaded into this process, found in /proc/self/maps. */
    private static Optional<NativeLibrary> libtorch() {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return Optional.empty();
        }
        try (Stream<String> lines = Files.lines(maps)) {
            return lines.map(l -> l.substring(l.lastIndexOf(' ') + 1))
                    .filter(p -> p.endsWith("/libtorch_cpu.so"))
                    .findFirst()
                    .map(NativeLibrary::getInstance);
        } catch (IOException | UnsatisfiedLinkError e) {
            return Optional.empty();
        }
    }
}
