package dev.glyph.trainer;

import java.util.Arrays;

/**
 * A named, dense, row-major float32 tensor held on the Java heap.
 *
 * <p>This is how trained parameters leave the native engine: the exporter writes them into
 * TorchScript and ONNX files, and checkpoints store them. Instances are immutable in intent; the
 * constructor does not copy {@code data}, so callers must not mutate it afterwards.
 *
 * <pre>{@code
 * Tensor bias = new Tensor("fc2.bias", new long[] {10}, new float[10]);
 * }</pre>
 *
 * <p>Thread-safety: safe to share between threads once constructed.
 *
 * @param name the PyTorch-style parameter name, for example {@code conv1.weight}
 * @param shape the dimensions, outermost first
 * @param data the values in row-major (C) order; its length equals the product of {@code shape}
 */
public record Tensor(String name, long[] shape, float[] data) {

    /** Validates that {@code data.length} matches the shape. */
    public Tensor {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("tensor name is empty");
        }
        if (shape == null || data == null) {
            throw new IllegalArgumentException("tensor " + name + " has no shape or data");
        }
        long n = numel(shape);
        if (n != data.length) {
            throw new IllegalArgumentException("tensor " + name + " has shape " + Arrays.toString(shape)
                    + " (" + n + " values) but " + data.length + " values were given");
        }
    }

    /** Returns the number of elements a tensor of {@code shape} holds. */
    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
        }
        return n;
    }

    /** Returns the number of elements. */
    public int size() {
        return data.length;
    }

    /** Returns a defensive copy of the shape. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && name.equals(t.name) && Arrays.equals(shape, t.shape)
                && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "Tensor[" + name + " " + Arrays.toString(shape) + "]";
    }
}
