package dev.glyph.trainer;

import java.util.List;

/**
 * The architecture of the reference tutorial's MnistNet, as constants shared by training and export.
 *
 * <pre>
 * input  [N,1,28,28] float32, pixel/255
 * conv1  1→32, 3×3, stride 1, no padding → [N,32,26,26], ReLU
 * conv2 32→64, 3×3, stride 1, no padding → [N,64,24,24], ReLU
 * max-pool 2×2, stride 2                  → [N,64,12,12]
 * dropout 0.25 (training only), flatten   → [N,9216]
 * fc1 9216→128, ReLU; fc2 128→10; log-softmax over dim 1 → [N,10]
 * </pre>
 *
 * <p>Thread-safety: constants only.
 */
public final class MnistNet {

    /** Image height and width. */
    public static final int IMAGE_SIZE = 28;
    /** Number of classes. */
    public static final int CLASSES = 10;
    /** Flattened size after the pool. */
    public static final int FLAT = 9216;
    /** Hidden width of fc1. */
    public static final int HIDDEN = 128;
    /** Dropout probability after the pool, training only. */
    public static final float DROPOUT = 0.25f;
    /** Total scalar parameter count. */
    public static final long PARAMETER_COUNT = 1_199_882L;

    /**
     * One parameter tensor of the model.
     *
     * @param name PyTorch parameter name
     * @param shape dimensions
     */
    public record ParameterSpec(String name, long[] shape) {
        /** Returns a defensive copy of the shape. */
        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** Returns the number of scalars. */
        public long numel() {
            return Tensor.numel(shape);
        }
    }

    /** The parameters in PyTorch {@code state_dict} order. */
    public static final List<ParameterSpec> PARAMETERS = List.of(
            new ParameterSpec("conv1.weight", new long[] {32, 1, 3, 3}),
            new ParameterSpec("conv1.bias", new long[] {32}),
            new ParameterSpec("conv2.weight", new long[] {64, 32, 3, 3}),
            new ParameterSpec("conv2.bias", new long[] {64}),
            new ParameterSpec("fc1.weight", new long[] {128, 9216}),
            new ParameterSpec("fc1.bias", new long[] {128}),
            new ParameterSpec("fc2.weight", new long[] {10, 128}),
            new ParameterSpec("fc2.bias", new long[] {10}));

    private MnistNet() {
    }

    /** Returns the parameter names in order. */
    public static List<String> parameterNames() {
        return PARAMETERS.stream().map(ParameterSpec::name).toList();
    }
}
