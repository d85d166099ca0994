package dev.glyph.inferencesdk.internal;

import dev.glyph.inferencesdk.Device;
import dev.glyph.inferencesdk.ModelLoadException;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the execution provider for a session: the CPU when asked for, CUDA when asked for and
 * available, otherwise either a clear {@link ModelLoadException} or, with CPU fallback allowed, a
 * WARN log and the CPU. Pure logic: the set of available providers and the way a session is
 * created are passed in, so it is unit-testable without a GPU.
 *
 * <pre>{@code
 * ProviderSelector.Selected<OrtSession> s = ProviderSelector.select(Device.cuda(0), true,
 *         Set.of("CPU"), device -> createSession(device));
 * }</pre>
 *
 * <p>Thread-safety: stateless static methods.
 */
public final class ProviderSelector {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderSelector.class);

    /** Provider name reported for the CPU. */
    public static final String CPU = "CPU";
    /** Provider name reported for CUDA. */
    public static final String CUDA = "CUDA";

    private ProviderSelector() {
    }

    /**
     * Creates something (a session) for one device; may throw anything the engine throws.
     *
     * @param <T> what is created
     */
    @FunctionalInterface
    public interface Attempt<T> {
        /** Creates the session on {@code device}. */
        T create(Device device) throws Exception;
    }

    /**
     * The outcome.
     *
     * @param value what was created
     * @param provider {@link #CPU} or {@link #CUDA}
     * @param fallbackReason why CUDA was not used although asked for, or {@code null}
     * @param <T> what was created
     */
    public record Selected<T>(T value, String provider, String fallbackReason) {
    }

    /**
     * Selects a provider for {@code requested}.
     *
     * @param requested the device asked for
     * @param allowCpuFallback whether an unavailable CUDA device falls back to the CPU
     * @param available the provider names this ONNX Runtime build offers ({@code CPU}, {@code CUDA}, ...)
     * @param attempt creates the session on a device
     * @throws ModelLoadException if the session cannot be created on the requested device (and no
     *     fallback is allowed) or not even on the CPU
     */
    public static <T> Selected<T> select(Device requested, boolean allowCpuFallback, Set<String> available,
            Attempt<T> attempt) throws ModelLoadException {
        return select(requested, allowCpuFallback, available, attempt, CudaLibraries::probe);
    }

    /**
     * Selects a provider for {@code requested}; when CUDA cannot be used, the reason names the CUDA
     * libraries that {@code libraries} reports missing and what to install (ONNX Runtime's own message says
     * only "Failed to load shared library").
     *
     * @param libraries scans the loader path for the CUDA provider's libraries (called only when CUDA fails)
     * @throws ModelLoadException as {@link #select(Device, boolean, Set, Attempt)}
     */
    public static <T> Selected<T> select(Device requested, boolean allowCpuFallback, Set<String> available,
            Attempt<T> attempt, java.util.function.Supplier<CudaLibraries.Report> libraries) throws ModelLoadException {
        if (!requested.isCuda()) {
            return new Selected<>(onCpu(attempt, null), CPU, null);
        }
        String reason;
        if (!available.contains(CUDA)) {
            String libs = libraries.get().problem();
            reason = "the CUDA execution provider is not available in this ONNX Runtime build (available: "
                    + new java.util.TreeSet<>(available) + "); expected the onnxruntime_gpu artifact "
                    + "(build with -Pcuda, or -Dglyph.cuda for the modules that use the SDK) and a CUDA-capable GPU"
                    + " with CUDA 12 and cuDNN 9" + (libs == null ? "" : "; CUDA libraries " + libs);
        } else {
            try {
                return new Selected<>(attempt.create(requested), CUDA, null);
            } catch (Exception e) {
                String libs = libraries.get().problem();
                reason = "could not create a session on CUDA device " + requested.deviceId() + ": "
                        + message(e) + (libs == null ? "" : "; " + libs);
            }
        }
        if (!allowCpuFallback) {
            throw new ModelLoadException(reason + "; set Options.allowCpuFallback(true) to run on the CPU instead");
        }
        LOG.warn("{} was requested but {}; falling back to the CPU", requested, reason);
        return new Selected<>(onCpu(attempt, reason), CPU, reason);
    }

    private static <T> T onCpu(Attempt<T> attempt, String earlier) throws ModelLoadException {
        try {
            return attempt.create(Device.cpu());
        } catch (ModelLoadException e) {
            throw e;
        } catch (Exception e) {
            throw new ModelLoadException("could not create a CPU session: " + message(e)
                    + (earlier == null ? "" : " (after CUDA failed: " + earlier + ")"));
        }
    }

    private static String message(Throwable e) {
        String m = e.getMessage();
        return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
    }
}
