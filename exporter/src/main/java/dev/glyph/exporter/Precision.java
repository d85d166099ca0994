package dev.glyph.exporter;

import java.util.Arrays;
import java.util.Locale;

/**
 * The arithmetic of a model version, as manifest.json's {@code precision} names it.
 *
 * <pre>{@code
 * Precision p = Precision.parse("int8");     // INT8, id() "int8"
 * }</pre>
 *
 * <p>Thread-safety: immutable.
 */
public enum Precision {
    /** float32 throughout: what {@code glyph export} writes. */
    FP32("fp32"),
    /** int8 weights and uint8 activations in a QuantizeLinear/DequantizeLinear (QDQ) graph. */
    INT8("int8"),
    /** float16 weights and activations, float32 inputs and outputs; for GPUs. */
    FP16("fp16");

    private final String id;

    Precision(String id) {
        this.id = id;
    }

    /** The manifest's name, e.g. {@code int8}. */
    public String id() {
        return id;
    }

    /**
     * Returns the precision named {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException for another name
     */
    public static Precision parse(String name) {
        for (Precision p : values()) {
            if (p.id.equals(name == null ? null : name.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException("precision is \"" + name + "\"; expected one of "
                + Arrays.stream(values()).map(Precision::id).toList());
    }
}
