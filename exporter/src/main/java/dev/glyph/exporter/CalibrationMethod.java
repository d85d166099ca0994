package dev.glyph.exporter;

import java.util.Arrays;
import java.util.Locale;

/**
 * How {@link Optimizer} turns the activations it saw on the calibration images into a quantisation range per
 * tensor (details in {@code dev.glyph.exporter.internal.Histogram}).
 *
 * <pre>{@code
 * OptimizeOptions o = OptimizeOptions.builder().calibration(CalibrationMethod.parse("entropy")).build();
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public enum CalibrationMethod {
    /** The observed minimum and maximum. */
    MINMAX("minmax"),
    /** The {@link OptimizeOptions#percentile()} percentile (99.99 by default) of |x|. */
    PERCENTILE("percentile"),
    /** The threshold minimising the KL divergence to the 128-level quantised histogram, as TensorRT's calibrator. */
    ENTROPY("entropy");

    private final String id;

    CalibrationMethod(String id) {
        this.id = id;
    }

    /** The name used on the command line and in the manifest, e.g. {@code entropy}. */
    public String id() {
        return id;
    }

    /**
     * Returns the method named {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException for another name
     */
    public static CalibrationMethod parse(String name) {
        for (CalibrationMethod m : values()) {
            if (m.id.equals(name == null ? null : name.toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("calibration method is \"" + name + "\"; expected one of "
                + Arrays.stream(values()).map(CalibrationMethod::id).toList());
    }
}
