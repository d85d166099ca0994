package dev.glyph.modelformat;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor of the manifest's {@code input} or {@code outputs}: name, element type and shape, where {@code -1}
 * marks the symbolic batch dimension. The input also says its layout, value range and preprocessing; for
 * outputs these are null and not written.
 *
 * <pre>{@code
 * TensorSpec out = TensorSpec.of("log_probs", "float32", -1, 10);
 * }</pre>
 *
 * <p>Thread-safety: immutable (arrays are copied in and out).
 *
 * @param name tensor name, e.g. {@code image}
 * @param dtype element type, e.g. {@code float32}
 * @param shape dimensions, {@code -1} for a symbolic one
 * @param layout e.g. {@code NCHW}, or null
 * @param valueRange {@code [min, max]} of the values, or null
 * @param preprocessing how raw pixels become values, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"name", "dtype", "shape", "layout", "value_range", "preprocessing"})
public record TensorSpec(String name, String dtype, long[] shape, String layout,
        @JsonProperty("value_range") double[] valueRange, String preprocessing) {

    /** Checks the required parts and copies the arrays. */
    public TensorSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = Objects.requireNonNull(shape, "shape").clone();
        valueRange = valueRange == null ? null : valueRange.clone();
    }

    /** Returns a spec with only a name, a type and a shape. */
    public static TensorSpec of(String name, String dtype, long... shape) {
        return new TensorSpec(name, dtype, shape, null, null, null);
    }

    /** Returns a copy of the shape. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Returns a copy of the value range, or null. */
    @Override
    public double[] valueRange() {
        return valueRange == null ? null : valueRange.clone();
    }

    /** Returns whether the shape equals {@code expected}, where {@code -1} must be symbolic on both sides. */
    public boolean shapeMatches(long... expected) {
        return Arrays.equals(shape, expected);
    }

    /** Formats a shape like {@code [?,1,28,28]} ({@code ?} for a symbolic dimension). */
    public static String shapeText(long[] shape) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append(shape[i] < 0 ? "?" : Long.toString(shape[i]));
        }
        return b.append(']').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec t && t.name.equals(name) && t.dtype.equals(dtype)
                && Arrays.equals(t.shape, shape) && Objects.equals(t.layout, layout)
                && Arrays.equals(t.valueRange, valueRange) && Objects.equals(t.preprocessing, preprocessing);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), layout, Arrays.hashCode(valueRange), preprocessing);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape);
    }
}
