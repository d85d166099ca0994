package dev.glyph.exporter.internal;

import dev.glyph.onnxschema.GraphProto;
import dev.glyph.onnxschema.ModelProto;
import dev.glyph.onnxschema.NodeProto;
import dev.glyph.onnxschema.TensorProto;
import dev.glyph.onnxschema.ValueInfoProto;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites an fp32 MnistNet graph into float16 with float32 inputs and outputs, for GPUs: every float32
 * initializer becomes float16 (round to nearest even, {@link Half}), a Cast to float16 follows each graph input,
 * and the ops that make the outputs' probabilities (LogSoftmax, Softmax, Exp) get a Cast back to float32 in front
 * of them and run in float32, so the graph's outputs keep their float32 type and the log-probabilities are not
 * rounded to float16.
 *
 * <pre>{@code
 * ModelProto half = Fp16Builder.build(fp32, Map.of("precision", "fp16"));
 * }</pre>
 *
 * <p>ONNX Runtime's CPU provider has no float16 kernels for most of these ops; it runs them by inserting casts to
 * float32 around each node, so on the CPU the activations are rounded to float16 between ops but computed in
 * float32. That is what the accuracy check measures; the speed of float16 is a GPU matter.
 *
 * <p>Thread-safety: stateless.
 */
public final class Fp16Builder {

    /** Ops kept in float32. */
    static final Set<String> KEEP_FP32 = Set.of("LogSoftmax", "Softmax", "Exp");

    private Fp16Builder() {
    }

    /**
     * Builds the float16 model.
     *
     * @throws IllegalArgumentException if the graph holds an op {@link QdqBuilder#KNOWN_OPS} does not list, or a
     *     weight does not fit float16's range
     */
    public static ModelProto build(ModelProto fp32, Map<String, String> metadata) {
        GraphProto g = fp32.getGraph();
        List<TensorProto> inits = new ArrayList<>();
        for (TensorProto t : g.getInitializerList()) {
            if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
                inits.add(t);
                continue;
            }
            float[] v = OnnxTensors.readFloats(t);
            short[] h = new short[v.length];
            for (int i = 0; i < v.length; i++) {
                if (!(Math.abs(v[i]) <= Half.MAX_VALUE)) {
                    throw new IllegalArgumentException("initializer " + t.getName() + " holds " + v[i] + " at index "
                            + i + "; float16 holds at most +-" + Half.MAX_VALUE);
                }
                h[i] = Half.fromFloat(v[i]);
            }
            inits.add(OnnxTensors.halves(t.getName(), t.getDimsList().stream().mapToLong(Long::longValue).toArray(), h));
        }
        Set<String> half = new HashSet<>();
        List<NodeProto> nodes = new ArrayList<>();
        for (ValueInfoProto in : g.getInputList()) {
            nodes.add(OnnxTensors.node("Cast", in.getName() + "_to_fp16", List.of(in.getName()), in.getName() + "_fp16",
                    OnnxTensors.intAttribute("to", TensorProto.DataType.FLOAT16_VALUE)));
            half.add(in.getName());
        }
        for (TensorProto t : inits) {
            if (t.getDataType() == TensorProto.DataType.FLOAT16_VALUE) {
                half.add(t.getName());
            }
        }
        Set<String> castBack = new HashSet<>();
        for (NodeProto n : g.getNodeList()) {
            if (!n.getDomain().isEmpty() || !QdqBuilder.KNOWN_OPS.contains(n.getOpType())) {
                throw new IllegalArgumentException("the graph holds op " + n.getOpType() + " (node " + n.getName()
                        + "); expected only " + new java.util.TreeSet<>(QdqBuilder.KNOWN_OPS));
            }
            boolean keep = KEEP_FP32.contains(n.getOpType());
            NodeProto.Builder b = n.toBuilder().clearInput();
            for (String in : n.getInputList()) {
                boolean inputIsGraphInput = g.getInputList().stream().anyMatch(v -> v.getName().equals(in));
                if (keep && half.contains(in) && !inputIsGraphInput) {
                    String cast = in + "_fp32";
                    if (castBack.add(in)) {
                        nodes.add(OnnxTensors.node("Cast", in + "_to_fp32", List.of(in), cast,
                                OnnxTensors.intAttribute("to", TensorProto.DataType.FLOAT_VALUE)));
                    }
                    b.addInput(cast);
                } else if (!keep && inputIsGraphInput) {
                    b.addInput(in + "_fp16");
                } else {
                    b.addInput(in);
                }
            }
            nodes.add(b.build());
            if (!keep) {
                half.addAll(n.getOutputList());
            }
        }
        GraphProto.Builder ng = g.toBuilder().clearNode().clearInitializer().clearValueInfo()
                .setDocString(g.getDocString() + " (float16 weights and activations; float32 input, LogSoftmax, Exp "
                        + "and outputs)");
        ng.addAllNode(nodes);
        ng.addAllInitializer(inits);
        return QdqBuilder.withMetadata(fp32.toBuilder().setGraph(ng), metadata).build();
    }
}
