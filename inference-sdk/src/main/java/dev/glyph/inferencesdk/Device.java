package dev.glyph.inferencesdk;

/**
 * Where a model runs: the CPU, or one CUDA device through ONNX Runtime's CUDA execution provider
 * (which needs the {@code cuda} Maven profile, i.e. the {@code onnxruntime_gpu} artifact, and a GPU).
 *
 * <pre>{@code
 * Options o = Options.defaults().device(Device.cuda(0)).allowCpuFallback(true);
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 *
 * <p>On the command line every command takes the same words: {@code auto}, {@code cpu}, {@code gpu}
 * or {@code gpu:N} ({@link #parse}).
 *
 * @param kind CPU or CUDA
 * @param deviceId the CUDA device ordinal; 0 for the CPU
 */
public record Device(Kind kind, int deviceId) {

    /** The kinds of execution provider the SDK can ask for. */
    public enum Kind {
        /** ONNX Runtime's default CPU execution provider. */
        CPU,
        /** ONNX Runtime's CUDA execution provider. */
        CUDA
    }

    /** Validates the fields. */
    public Device {
        if (kind == null) {
            throw new IllegalArgumentException("device kind is null; expected CPU or CUDA");
        }
        if (deviceId < 0) {
            throw new IllegalArgumentException("device id is " + deviceId + "; expected >= 0");
        }
        if (kind == Kind.CPU && deviceId != 0) {
            throw new IllegalArgumentException("CPU device id is " + deviceId + "; expected 0");
        }
    }

    /** Returns the CPU device. */
    public static Device cpu() {
        return new Device(Kind.CPU, 0);
    }

    /** Returns CUDA device number {@code deviceId} (0 is the first GPU). */
    public static Device cuda(int deviceId) {
        return new Device(Kind.CUDA, deviceId);
    }

    /**
     * Returns CUDA device 0 when a CUDA session can be expected to start ({@link GpuSupport#usable()}: this
     * ONNX Runtime build offers the CUDA execution provider, its CUDA 12 and cuDNN 9 libraries and the driver
     * are on the loader path, and a GPU device is visible), else the CPU: what {@code --device auto} means for
     * the SDK and the server. (The provider alone is not enough: the onnxruntime_gpu build lists CUDA on a
     * machine without a GPU too.)
     */
    public static Device auto() {
        try {
            return GpuSupport.probe().usable() ? cuda(0) : cpu();
        } catch (RuntimeException | LinkageError e) {
            return cpu();
        }
    }

    /**
     * Parses Glyph's device vocabulary {@code cpu}, {@code gpu} (device 0) or {@code gpu:N},
     * case-insensitively; {@code cuda} and {@code cuda:N} are accepted as deprecated aliases.
     * ({@code auto} is resolved by {@link #auto()}.)
     *
     * @throws IllegalArgumentException if {@code text} is none of these
     */
    public static Device parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("device is null; expected cpu, gpu or gpu:N");
        }
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("cpu")) {
            return cpu();
        }
        if (t.equals("auto")) {
            return auto();
        }
        if (t.equals("gpu") || t.equals("cuda")) {
            return cuda(0);
        }
        for (String head : new String[] {"gpu:", "cuda:"}) {
            if (t.startsWith(head) && t.substring(head.length()).matches("[0-9]{1,4}")) {
                return cuda(Integer.parseInt(t.substring(head.length())));
            }
        }
        throw new IllegalArgumentException("device is '" + text + "'; expected auto, cpu, gpu or gpu:N");
    }

    /** Returns {@code true} for a CUDA device. */
    public boolean isCuda() {
        return kind == Kind.CUDA;
    }

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : "gpu:" + deviceId;
    }
}
