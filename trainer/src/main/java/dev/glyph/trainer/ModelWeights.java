package dev.glyph.trainer;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The complete parameter set of a {@link MnistNet}, in eval form, keyed by PyTorch parameter name.
 *
 * <p>Names and shapes follow the reference PyTorch module: {@code conv1.weight [32,1,3,3]},
 * {@code conv1.bias [32]}, {@code conv2.weight [64,32,3,3]}, {@code conv2.bias [64]},
 * {@code fc1.weight [128,9216]}, {@code fc1.bias [128]}, {@code fc2.weight [10,128]},
 * {@code fc2.bias [10]}. Linear weights are {@code [out, in]} as in {@code torch.nn.Linear}.
 * Any input normalisation used during training is already folded into {@code conv1}, so the
 * weights always expect pixel/255 input.
 *
 * <pre>{@code
 * ModelWeights w = ModelWeights.of(tensors);   // validated against MnistNet.PARAMETERS
 * float[] fc2Bias = w.get("fc2.bias").data();
 * }</pre>
 *
 * <p>Thread-safety: immutable after construction; safe to share.
 *
 * @param tensors the parameters in {@link MnistNet#PARAMETERS} order
 */
public record ModelWeights(List<Tensor> tensors) {

    /** Validates names, order and shapes against {@link MnistNet#PARAMETERS}. */
    public ModelWeights {
        tensors = List.copyOf(tensors);
        List<MnistNet.ParameterSpec> specs = MnistNet.PARAMETERS;
        if (tensors.size() != specs.size()) {
            throw new IllegalArgumentException("MnistNet has " + specs.size() + " parameter tensors but "
                    + tensors.size() + " were given");
        }
        for (int i = 0; i < specs.size(); i++) {
            MnistNet.ParameterSpec s = specs.get(i);
            Tensor t = tensors.get(i);
            if (!s.name().equals(t.name()) || !Arrays.equals(s.shape(), t.shape())) {
                throw new IllegalArgumentException("parameter #" + i + " is " + t.name() + " "
                        + Arrays.toString(t.shape()) + " but MnistNet expects " + s.name() + " "
                        + Arrays.toString(s.shape()));
            }
        }
    }

    /** Builds weights from tensors in any order; they must cover exactly {@link MnistNet#PARAMETERS}. */
    public static ModelWeights of(Iterable<Tensor> tensors) {
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (Tensor t : tensors) {
            if (byName.put(t.name(), t) != null) {
                throw new IllegalArgumentException("parameter " + t.name() + " is given twice");
            }
        }
        List<Tensor> ordered = new java.util.ArrayList<>();
        for (MnistNet.ParameterSpec s : MnistNet.PARAMETERS) {
            Tensor t = byName.remove(s.name());
            if (t == null) {
                throw new IllegalArgumentException("parameter " + s.name() + " is missing");
            }
            ordered.add(t);
        }
        if (!byName.isEmpty()) {
            throw new IllegalArgumentException("unexpected parameters " + byName.keySet()
                    + "; MnistNet has only " + MnistNet.parameterNames());
        }
        return new ModelWeights(ordered);
    }

    /** Returns the tensor called {@code name}. */
    public Tensor get(String name) {
        for (Tensor t : tensors) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("no parameter called " + name + "; expected one of "
                + MnistNet.parameterNames());
    }

    /** Returns the total number of scalar parameters (1,199,882 for MnistNet). */
    public long parameterCount() {
        long n = 0;
        for (Tensor t : tensors) {
            n += t.size();
        }
        return n;
    }
}
