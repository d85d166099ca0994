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
     * Parses {@code cpu}, {@code cuda} (device 0) or {@code cuda:N}, case-insensitively.
     *
     * @throws IllegalArgumentException if {@code text} is none of these
     */
    public static Device parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("device is null; expected cpu, cuda or cuda:N");
        }
        String t = text.trim().toLowerCase(java.util.Locale.ROOT);
        if (t.equals("cpu")) {
            return cpu();
        }
        if (t.equals("cuda") || t.equals("gpu")) {
            return cuda(0);
        }
        if (t.startsWith("cuda:")) {
            try {
                return cuda(Integer.parseInt(t.substring(5)));
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw new IllegalArgumentException("device is '" + text + "'; expected cpu, cuda or cuda:N");
    }

    /** Returns {@code true} for a CUDA device. */
    public boolean isCuda() {
        return kind == Kind.CUDA;
    }

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : "cuda:" + deviceId;
    }
}
